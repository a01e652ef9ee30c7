/**
 * HTTP server entry point: load config, build the app, listen, and close gracefully.
 * @see https://github.com/mcollina/close-with-grace
 */
import closeWithGrace from 'close-with-grace'
import { loadConfigOrExit } from './config.ts'
import { buildApp } from './app.ts'

const config = loadConfigOrExit()
let app: Awaited<ReturnType<typeof buildApp>>
try {
  app = await buildApp(config)
} catch (err) {
  process.stderr.write(`Repère server could not start: ${(err as Error).message}\n`)
  process.exit(1)
}

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) {
    app.log.error({ err }, 'server closing after an error')
  } else {
    app.log.info({ signal }, 'server closing')
  }
  await app.close()
})

try {
  await app.listen({ host: config.HOST, port: config.PORT })
} catch (err) {
  app.log.error({ err }, 'server could not listen')
  process.exit(1)
}
