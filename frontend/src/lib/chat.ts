// The chat log the page shows: the backend keeps the session's chat in
// memory (app/bridge/chatlog.go) and sends it again when the page
// reconnects, so a reload shows the conversation so far.

import type { ChatLine } from './protocol';

/** MAX_CHAT_LINES bounds the chat log kept in the page, like the backend's history. */
export const MAX_CHAT_LINES = 200;

/** addLine appends a line, keeping the newest MAX_CHAT_LINES. */
export function addLine(lines: ChatLine[], line: ChatLine, max = MAX_CHAT_LINES): ChatLine[] {
  return [...lines, line].slice(-max);
}

/**
 * unreadAfter counts a new line as unread when it comes from the other
 * person while the chat is hidden; the person's own lines never count.
 */
export function unreadAfter(unread: number, line: ChatLine, me: 'helper' | 'sharer', open: boolean): number {
  return !open && line.from !== me ? unread + 1 : unread;
}
