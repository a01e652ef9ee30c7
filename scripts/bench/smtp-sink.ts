/**
 * The SMTP server of `npm run bench -- send`, run as a child process so it does not share the
 * bench process's event loop. It accepts every message and appends one line per message to
 * SINK_FILE at the moment it answers 250 (what RFC 5321 calls accepted):
 * `<ms since epoch>\t<Message-ID>\t<recipient>`. Prints `listening <port>` once ready.
 */
import { createWriteStream } from 'node:fs'
import { SMTPServer } from 'smtp-server'

const out = createWriteStream(process.env.SINK_FILE ?? '/tmp/repere-bench-smtp-sink.tsv', { flags: 'a' })
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  // Many short pooled or one-shot connections from the worker and the baseline.
  maxClients: 1_000,
  logger: false,
  // A local sink: no reverse DNS of 127.0.0.1 per connection (it cost ~100 ms here), for us and the baseline alike.
  disableReverseLookup: true,
  onData(stream, session, callback) {
    // The headers are enough: the Message-ID is what tells a duplicate.
    let head = ''
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 8_192) {
        head += chunk.toString('latin1')
      }
    })
    stream.on('end', () => {
      const headers = head.split(/\r?\n\r?\n/, 1)[0] ?? ''
      const messageId = /^message-id:\s*(\S+)/im.exec(headers)?.[1] ?? ''
      const to = session.envelope.rcptTo[0]?.address ?? ''
      callback()
      out.write(`${Date.now()}\t${messageId}\t${to}\n`)
    })
  },
})
server.on('error', (err) => process.stderr.write(`smtp sink: ${err.message}\n`))
server.listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
  const address = server.server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => out.end(() => process.exit(0)))
}
