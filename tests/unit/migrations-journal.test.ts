import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/**
 * drizzle's migrator applies a migration only when its journal `when` is later than the last one
 * the database recorded: an entry dated earlier (a branch's migration renumbered after a merge)
 * would be skipped silently on every existing database, while a fresh one gets it.
 */
describe('the migrations journal', () => {
  it('numbers and dates its entries in strictly increasing order', () => {
    const journal = JSON.parse(readFileSync(new URL('../../db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
      entries: { idx: number; when: number; tag: string }[]
    }
    expect(journal.entries.length).toBeGreaterThan(10)
    journal.entries.forEach((e, i) => {
      expect(e.idx, e.tag).toBe(i)
      expect(e.tag.slice(0, 4), e.tag).toBe(String(i).padStart(4, '0'))
      if (i > 0) {
        expect(e.when, `${e.tag} is dated before ${journal.entries[i - 1]!.tag}`).toBeGreaterThan(journal.entries[i - 1]!.when)
      }
    })
  })
})
