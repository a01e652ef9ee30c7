/** What /health asks PostgreSQL: that it answers, and how many outbox rows are late. */
import type postgres from 'postgres'

export function createHealthRepository(sql: postgres.Sql) {
  return {
    ping: async (): Promise<void> => {
      await sql`select 1`
    },
    /** Outbox rows due for longer than `lateMs` and still not enqueued (partial index outbox_pending_idx: cheap). */
    async lateOutboxRows(lateMs: number): Promise<number> {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox
        WHERE enqueued_at IS NULL AND available_at < now() - make_interval(secs => ${lateMs / 1000})`
      return row?.n ?? 0
    },
  }
}
export type HealthRepository = ReturnType<typeof createHealthRepository>
