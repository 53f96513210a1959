import { describe, expect, it } from 'vitest';
import { translate } from './i18n';
import type { Status } from './protocol';
import { stateLine } from './status';

const en = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', key, vars);
const ja = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('ja', key, vars);

describe('stateLine while reconnecting', () => {
  const now = 1_000_000;
  const base: Status = { state: 'reconnecting', control: 'none', reconnectUntil: now + 27_400 };

  it('counts down to the deadline, rounding up', () => {
    expect(stateLine(base, now, en)).toBe('Connection lost. Reconnecting… (0:28 left)');
    expect(stateLine(base, now + 27_000, en)).toBe('Connection lost. Reconnecting… (0:01 left)');
    expect(stateLine(base, now + 40_000, en)).toBe('Connection lost. Reconnecting… (0:00 left)');
  });

  it('says the connection is poor when only the media path is down', () => {
    const poor: Status = { ...base, network: 'network-interrupted' };
    expect(stateLine(poor, now, en)).toBe('The connection is poor. Reconnecting… (0:28 left)');
    expect(stateLine(poor, now + 18_500, en)).toBe('The connection is poor. Reconnecting… (0:09 left)');
    expect(stateLine(poor, now, ja)).toBe('接続が不安定です。再接続しています…（残り 0:28）');
  });

  it('leaves the other states to their own texts', () => {
    expect(stateLine({ state: 'live', control: 'granted' }, now, en)).toBe(en('state.liveControl'));
    expect(stateLine({ state: 'live', control: 'none', paused: true }, now, en)).toBe(en('state.paused'));
    expect(stateLine({ state: 'connecting', control: 'none' }, now, en)).toBe(en('state.connecting'));
  });
});
