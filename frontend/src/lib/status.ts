import { formatCountdown } from './code';
import type { Key } from './i18n';
import type { Status } from './protocol';

type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/**
 * stateLine is the helper's one-line session state. While reconnecting it
 * counts down to the deadline; when only the media path is down (the
 * service still connects both people) it says the connection is poor.
 */
export function stateLine(s: Status, now: number, t: Translate): string {
  switch (s.state) {
    case 'live':
      if (s.paused) return t('state.paused');
      return s.control === 'granted' ? t('state.liveControl') : t('state.live');
    case 'reconnecting': {
      const time = formatCountdown((s.reconnectUntil ?? 0) - now);
      if (s.network === 'sharer-restarting') return t('state.restarting', { time });
      return s.network === 'network-interrupted' ? t('state.poor', { time }) : t('state.reconnecting', { time });
    }
    default:
      return t(`state.${s.state}` as Key);
  }
}
