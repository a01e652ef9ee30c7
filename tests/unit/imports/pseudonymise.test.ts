import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { KINDS, compileValidator, openCsv, resolveHeaders } from '../../../server/services/imports/index.ts'
import { collect, tempDir } from '../../fixtures/imports/files.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const script = join(root, 'scripts/pseudonymise.ts')
const SECRET = 'test-secret-0123456789-abcdefghijklmnop'
const dir = tempDir()
afterAll(() => dir.remove())

async function pseudonymise(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const expectedId = (studentNumber: string): string => createHmac('sha256', SECRET).update(studentNumber).digest('base64url').slice(0, 22)

// Each case starts Node + tsx (about a second each on a busy machine).
describe('scripts/pseudonymise.ts', { timeout: 60_000 }, () => {
  it('replaces the student number, drops identifiers, and produces an importable file', async () => {
    const input = dir.write(
      'export.csv',
      'Numéro étudiant;Nom;Prénom;Courriel;Année universitaire;Code étape;Date de naissance;Boursier;Libellé étape\r\n' +
        '21904567;Dupont;Inès;ines@example.fr;2024/2025;L1DROI;01/02/2005;O;"Licence 1 Droit; parcours ""Europe"""\r\n' +
        ' 21904568 ;Martin;Luc;luc@example.fr;2024/2025;L1HIST;03/04/2004;N;Licence 1 Histoire\r\n' +
        '21904567;Dupont;Inès;ines@example.fr;2023/2024;L1DROI;01/02/2005;O;Licence 1 Droit\r\n',
      'windows-1252',
    )
    const secretFile = dir.write('secret.txt', `${SECRET}\n`)
    const output = join(dir.path, 'export-pseudo.csv')
    const result = await pseudonymise(['--in', input, '--out', output, '--column', 'numéro étudiant', '--secret-file', secretFile])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/3 ligne\(s\) pseudonymisée\(s\)/)
    expect(result.stderr).toMatch(/« Nom »/)
    expect(result.stderr).toMatch(/« Date de naissance »/)
    expect(result.stderr + result.stdout).not.toContain(SECRET)

    const bytes = readFileSync(output)
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const text = bytes.toString('utf8').slice(1)
    expect(text.split('\r\n')[0]).toBe('id_pseudo;Année universitaire;Code étape;Boursier;Libellé étape')
    expect(text).not.toMatch(/Dupont|Inès|ines@|21904567|01\/02\/2005/)

    const csv = await openCsv(output)
    const rows = await collect(csv.rows)
    expect(rows.map((r) => r.fields)).toEqual([
      [expectedId('21904567'), '2024/2025', 'L1DROI', 'O', 'Licence 1 Droit; parcours "Europe"'],
      [expectedId('21904568'), '2024/2025', 'L1HIST', 'N', 'Licence 1 Histoire'],
      [expectedId('21904567'), '2023/2024', 'L1DROI', 'O', 'Licence 1 Droit'],
    ])
    expect(rows[0]!.fields[0]).toMatch(/^[A-Za-z0-9_-]{22}$/)

    const resolution = resolveHeaders('etudiants', csv.headers)
    expect(resolution.identifiers).toEqual([])
    expect(resolution.missing).toEqual([])
    const validate = compileValidator(KINDS.etudiants, resolution)
    expect(rows.every((r) => validate(r.fields, r.line).ok)).toBe(true)
  })

  it('reads the secret from REPERE_PSEUDO_SECRET and detects the column', async () => {
    const input = dir.write('nip.csv', 'Code NIP,Session,Note\n21904567,1,"12,5"\n')
    const output = join(dir.path, 'nip-pseudo.csv')
    const result = await pseudonymise(['--in', input, '--out', output], { REPERE_PSEUDO_SECRET: SECRET })
    expect(result.code).toBe(0)
    expect(readFileSync(output, 'utf8')).toBe(`\ufeffid_pseudo;Session;Note\r\n${expectedId('21904567')};1;12,5\r\n`)
  })

  it('guards cells a spreadsheet would run as formulas, and leaves numbers as they are', async () => {
    const input = dir.write('formulas.csv', 'Code NIP;Note;Commentaire\n21904567;-2,5;=1+1\n21904568;12;-2+3\n')
    const output = join(dir.path, 'formulas-pseudo.csv')
    const result = await pseudonymise(['--in', input, '--out', output], { REPERE_PSEUDO_SECRET: SECRET })
    expect(result.code).toBe(0)
    expect(readFileSync(output, 'utf8')).toBe(
      `\ufeffid_pseudo;Note;Commentaire\r\n${expectedId('21904567')};-2,5;'=1+1\r\n${expectedId('21904568')};12;'-2+3\r\n`,
    )
  })

  it('fails with clear usage errors', async () => {
    const input = dir.write('plain.csv', 'Numéro étudiant;Note\n1;2\n')
    const out = join(dir.path, 'x.csv')
    const [noSecret, short, badColumn, missing, help] = await Promise.all([
      pseudonymise(['--in', input, '--out', out]),
      pseudonymise(['--in', input, '--out', out], { REPERE_PSEUDO_SECRET: 'court' }),
      pseudonymise(['--in', input, '--out', out, '--column', 'INE'], { REPERE_PSEUDO_SECRET: SECRET }),
      pseudonymise(['--out', out]),
      pseudonymise(['--help']),
    ])
    expect(noSecret.code).toBe(64)
    expect(noSecret.stderr).toMatch(/Erreur : aucun secret/)
    expect(noSecret.stderr).toMatch(/Error: no secret/)
    expect(short.stderr).toMatch(/trop court/)
    expect(short.stderr).not.toContain('court\n')
    expect(badColumn.code).toBe(64)
    expect(badColumn.stderr).toMatch(/colonne « INE » introuvable/)
    expect(missing.stderr).toMatch(/--in et --out sont obligatoires/)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage : npx tsx scripts\/pseudonymise\.ts/)
  })
})
