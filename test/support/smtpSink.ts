import type { AlertConfig } from '../../shared/config.js';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  to: string[];
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  /** Answers every message with this SMTP reply code until cleared (421: try later; 550: rejected). */
  failWith(code: number | null): void;
  stop(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let failure: number | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      simpleParser(stream).then(
        (parsed) => {
          if (failure !== null)
            return callback(Object.assign(new Error(`Refused with ${failure}`), { responseCode: failure }));
          received.push({ to, parsed });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    failWith: (code) => {
      failure = code;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Alerts by email only, through the sink: every severity, the default ladder, no dashboard link. */
export function emailAlerts(
  port: number,
  recipients: Pick<AlertConfig, 'from' | 'keyvaultAdmins' | 'powerplatformAdmins'>,
): AlertConfig {
  return {
    channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
    mail: { kind: 'smtp', host: '127.0.0.1', port, secure: false, user: null, password: null },
    monitorAdmins: [],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: null,
    ...recipients,
  };
}
