/**
 * Data keys rotate: values carry their key id, the keyring reads every configured key, and
 * scripts/reencrypt-contacts.ts moves everything to the current key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contacts } from '../../db/schema/index.ts'
import { decryptField, encryptField, keyIdOf, type Keyring } from '../../server/lib/crypto.ts'
import { reencryptAll } from '../../scripts/reencrypt-contacts.ts'
import { testConfig } from '../helpers/env.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aStudent } from '../helpers/journey.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

const OLD = Buffer.alloc(32, 7).toString('base64') // the test app's key (id 1)
const NEW = Buffer.alloc(32, 9).toString('base64')

describe('key rotation', () => {
  it('re-encrypts every contact under the new key, legacy values included, and is idempotent', async () => {
    const ring1 = t.config.dataKeys
    const a = await aStudent(t)
    const b = await aStudent(t)
    await t.database.db.insert(contacts).values([
      { studentId: a, emailEnc: encryptField(ring1, 'a@etu.test'), firstNameEnc: encryptField(ring1, 'Inès'), keyId: 1 },
      // Written before keyrings existed (layout 1, bare key).
      { studentId: b, phoneEnc: encryptField(Buffer.from(OLD, 'base64'), '+33612345678'), keyId: 1 },
    ])
    const rotated = testConfig({ DATA_ENCRYPTION_KEY: NEW, DATA_ENCRYPTION_KEY_ID: '2', DATA_ENCRYPTION_PREVIOUS_KEYS: `1:${OLD}` })
    // What is derived from the first key does not move with the rotation.
    expect(rotated.suppressionKey.equals(t.config.suppressionKey)).toBe(true)
    expect(rotated.manageCodeKey.equals(t.config.manageCodeKey)).toBe(true)

    const report = await reencryptAll(t.database.sql, rotated.dataKeys, { batchSize: 1 })
    expect(report.contacts).toEqual({ rewritten: 2, skipped: 0 })

    const onlyNew: Keyring = { currentId: 2, keys: new Map([[2, Buffer.from(NEW, 'base64')]]) }
    const rows = await t.database.db.select().from(contacts).orderBy(contacts.studentId)
    expect(rows.map((r) => r.keyId)).toEqual([2, 2])
    expect(decryptField(onlyNew, rows[0]?.emailEnc as Buffer)).toBe('a@etu.test')
    expect(decryptField(onlyNew, rows[0]?.firstNameEnc as Buffer)).toBe('Inès')
    expect(decryptField(onlyNew, rows[1]?.phoneEnc as Buffer)).toBe('+33612345678')
    expect(rows.every((r) => [r.emailEnc, r.phoneEnc, r.firstNameEnc].every((v) => v === null || keyIdOf(v) === 2))).toBe(true)
    // The old key alone no longer opens anything.
    expect(() => decryptField(ring1, rows[0]?.emailEnc as Buffer)).toThrow()

    expect((await reencryptAll(t.database.sql, rotated.dataKeys)).contacts).toEqual({ rewritten: 0, skipped: 0 })
  })

  it('a value relabelled with another key id does not decrypt', () => {
    const ring: Keyring = {
      currentId: 1,
      keys: new Map([
        [1, Buffer.alloc(32, 1)],
        [2, Buffer.alloc(32, 1)],
      ]),
    }
    const v = encryptField(ring, 'secret')
    expect(decryptField(ring, v)).toBe('secret')
    const relabelled = Buffer.from(v)
    relabelled[1] = 2
    expect(() => decryptField(ring, relabelled)).toThrow()
  })
})
