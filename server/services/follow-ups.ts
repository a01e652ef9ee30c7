/**
 * What the journey's services need of the transactional outbox (outbox.service.ts): `add` a job
 * in the caller's transaction (reminders wait there with `delayMs`, not in Redis), `dispatch`
 * after the commit. Narrow on purpose, so unit tests can pass a fake.
 */
import type { OutboxService } from './outbox.service.ts'

export type FollowUps = Pick<OutboxService, 'add' | 'dispatch'>
