/**
 * The local mail catcher of `npm start`: MailDev, in this process, SMTP and web page bound to
 * loopback only. Messages stay in memory (capped): they are demo mail, gone at the next start,
 * and nothing is written to disk that could hold a student's address.
 * @see {@link https://github.com/maildev/maildev/blob/main/docs/api.md}
 */
export type MailCatcher = { webUrl: string; stop: () => Promise<void> }

export type MailCatcherOptions = { smtpPort: number; webPort: number; host: string; user?: string; password?: string }

export async function startMailCatcher({ smtpPort, webPort, host, user, password }: MailCatcherOptions): Promise<MailCatcher> {
  const { MailDev } = await import('maildev')
  const maildev = new MailDev({
    smtp: smtpPort,
    ip: host,
    web: webPort,
    webIp: host,
    silent: true,
    maxEmails: 1000,
    ...(user ? { incomingUser: user, incomingPass: password ?? '' } : {}),
  })
  // MailDev's API prints "MailDev API running at …" with console.info even when silent.
  const info = console.info
  console.info = () => {}
  try {
    await maildev.start()
  } finally {
    console.info = info
  }
  const shownHost = host === '127.0.0.1' || host === '::1' ? 'localhost' : host
  let stopped: Promise<void> | undefined
  return {
    webUrl: `http://${shownHost}:${webPort}`,
    stop: () => (stopped ??= maildev.stop()),
  }
}
