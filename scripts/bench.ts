/**
 * `npm run bench -- <name> [options]`: the benchmarks. Timing lives here, never in tests.
 * Every figure is printed as `key=value` on its own line (stdout); progress goes to stderr.
 *
 *   ingest   an attendance import end to end (HTTP upload → worker → database) against a raw COPY,
 *            and the RSS of the server and the worker for two file sizes. See scripts/bench/ingest.ts.
 *   score    a cohort of 28,000 students scored end to end through the queue, its phases, and a plain
 *            typed-array scoring loop as the baseline. See scripts/bench/score.ts.
 *   fuzz     ≥ 10,000 generated malformed CSV files through the upload checks and the import
 *            processor: fuzz_crashes and fuzz_wedged must be 0. See scripts/bench/fuzz.ts.
 *   http     the student pages (/r/:code and a slot list) at 200 connections with autocannon, against
 *            a trivial Fastify route in the same run. See scripts/bench/http.ts.
 *   booking  rounds of 50 simultaneous bookings of one slot through HTTP: 0 double bookings, p99.
 *            See scripts/bench/booking.ts.
 *   send     a campaign of 10,000 e-mails through the real engine and worker at 50 messages/s to a
 *            local SMTP server: achieved rate, peak second, duplicates, and the unthrottled engine
 *            against a plain pooled nodemailer loop. See scripts/bench/send.ts.
 */
import { BOOKING_USAGE, bookingBench } from './bench/booking.ts'
import { FUZZ_USAGE, fuzzBench } from './bench/fuzz.ts'
import { INGEST_USAGE, ingestBench } from './bench/ingest.ts'
import { HTTP_USAGE, httpBench } from './bench/http.ts'
import { SCORE_USAGE, scoreBench } from './bench/score.ts'
import { SEND_USAGE, sendBench } from './bench/send.ts'

const BENCHES: Record<string, { usage: string; run: (args: string[]) => Promise<number> }> = {
  ingest: { usage: INGEST_USAGE, run: ingestBench },
  score: { usage: SCORE_USAGE, run: scoreBench },
  fuzz: { usage: FUZZ_USAGE, run: fuzzBench },
  http: { usage: HTTP_USAGE, run: httpBench },
  booking: { usage: BOOKING_USAGE, run: bookingBench },
  send: { usage: SEND_USAGE, run: sendBench },
}

function usage(): string {
  return `usage: npm run bench -- <benchmark> [options]\nbenchmarks: ${Object.keys(BENCHES).join(', ')}\n\n${Object.values(BENCHES)
    .map((b) => b.usage)
    .join('\n\n')}\n`
}

const [name, ...args] = process.argv.slice(2)
const bench = name === undefined ? undefined : BENCHES[name]
if (!bench) {
  process.stderr.write(`${name === undefined ? 'no benchmark given' : `unknown benchmark "${name}"`}\n${usage()}`)
  process.exit(2)
}
try {
  process.exitCode = await bench.run(args)
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
}
// Lingering handles (keep-alive sockets) must not keep a finished benchmark alive.
process.exit(process.exitCode)
