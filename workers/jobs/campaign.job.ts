import { defineHandler } from '../job-context.ts'

/** `campaign.tick`: starts due campaigns and queues the next messages within rate, window and capacity. */
export const campaignTickJob = defineHandler('campaign.tick', ['campaignEngine'], async (_p, { services }) => {
  await services.campaignEngine.tick()
  return 'done'
})

/** `message.send`: claims the row before sending, so a retry, a crash or a second job never sends twice. */
export const messageSendJob = defineHandler('message.send', ['campaignEngine'], ({ messageId }, { services }) =>
  services.campaignEngine.send(messageId),
)

/** `message.fail`: the last attempt failed; the message is marked failed unless it was sent meanwhile. */
export const messageFailJob = defineHandler('message.fail', ['campaignEngine'], async ({ messageId }, { services }) => {
  await services.campaignEngine.fail(messageId)
  return 'done'
})
