import pino, { type Logger } from 'pino';

/** JSON logs; anything that could carry a credential is redacted before it is written. */
export function createLogger(level: string, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino(
    {
      level,
      base: { app: 'apim-netwatch' },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'clientSecret', '*.clientSecret'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: destination === 'stdout' ? 1 : 2, sync: true }),
  );
}
