/**
 * Renders every e-mail template with its preview.json into var/email-previews/, to look at
 * them in a browser: `npm run email:preview`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { EMAIL_NAMES, EMAILS_DIR, createEmailRenderer } from '../server/lib/email-templates.ts'

const out = path.resolve('var/email-previews')
await mkdir(out, { recursive: true })
const renderer = createEmailRenderer()
for (const name of EMAIL_NAMES) {
  const data = JSON.parse(await readFile(path.join(EMAILS_DIR, name, 'preview.json'), 'utf8')) as never
  const mail = renderer.render(name, data)
  await writeFile(path.join(out, `${name}.html`), mail.html)
  await writeFile(path.join(out, `${name}.txt`), `Subject: ${mail.subject}\n\n${mail.text}`)
  process.stdout.write(`${name}: ${mail.subject}\n  ${path.join(out, `${name}.html`)}\n`)
}
