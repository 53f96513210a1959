import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvent, ProtocolError, type BridgeRequest } from './protocol';

const dir = new URL('../../../wire/testdata/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.startsWith('bridge-'));

describe('bridge events from wire/testdata', () => {
  const events = files.filter((f) => f.startsWith('bridge-event-'));
  it('has fixtures', () => expect(events.length).toBeGreaterThan(5));
  for (const f of events) {
    it(f, () => {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(parseEvent(text)).toEqual(JSON.parse(text));
    });
  }
});

describe('bridge requests match wire/testdata', () => {
  // What the page builds must serialise to exactly what the Go decoder's fixture holds.
  const built: Record<string, BridgeRequest> = {
    'bridge-request-login.json': { type: 'login', server: 'https://help.example.org', email: 'alex@example.org', password: 'correct horse' },
    'bridge-request-signin-lookup.json': { type: 'signin-lookup', server: 'https://help.example.org', email: 'kim@contoso.com' },
    'bridge-request-login-oidc.json': { type: 'login-oidc', server: 'https://help.example.org', org: 'Contoso' },
    'bridge-request-chat.json': { type: 'chat', text: 'Hello — こんにちは' },
    'bridge-request-input-keydown.json': { type: 'input', input: { t: 'keydown', c: 'KeyA' } },
    'bridge-request-input-down.json': { type: 'input', input: { t: 'down', x: 0.25, y: 0.75, b: 2 } },
    'bridge-request-annotate.json': {
      type: 'annotate',
      annotation: { t: 'stroke', id: 7, color: '#ff3b30', width: 4, points: [{ x: 0.1, y: 0.2 }, { x: 0.15, y: 0.25 }] },
    },
    'bridge-request-switch-monitor.json': { type: 'switch-monitor', monitor: 1 },
    'bridge-request-quick-action.json': { type: 'quick-action', action: 'task-manager' },
    'bridge-request-sharer-allow-restart.json': { type: 'sharer-allow-restart' },
    'bridge-request-keyframe.json': { type: 'keyframe' },
    'bridge-request-max-fps.json': { type: 'max-fps', fps: 12 },
    'bridge-request-get-help.json': { type: 'get-help', code: 'abcd efgh' },
    'bridge-request-sharer-allow.json': { type: 'sharer-allow' },
    'bridge-request-sharer-chat.json': { type: 'sharer-chat', text: 'Yes, I can see the pointer.' },
    'bridge-request-sharer-report.json': { type: 'sharer-report', comment: 'He said he was from my bank.' },
  };
  for (const f of files.filter((f) => f.startsWith('bridge-request-'))) {
    it(f, () => {
      expect(built[f], `no request built for ${f}`).toBeDefined();
      expect(JSON.parse(JSON.stringify(built[f]))).toEqual(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
    });
  }
});

describe('parseEvent rejects', () => {
  const cases = ['not json', '[]', '{}', '{"type":"state"}', '{"type":"state","status":{"state":"flying"}}', '{"type":"session","code":"X"}', '{"type":"chat","chat":{"from":"admin","text":"x","ts":1}}', '{"type":"launch"}', '{"type":"sharer","sharer":{"state":"hacking"}}', '{"type":"sharer","sharer":{"state":"sharing","prompt":"format"}}', '{"type":"sharer-chat","chat":{"from":"x","text":"","ts":1}}', '{"type":"state","status":{"state":"live","sas":"12345"}}', '{"type":"sharer","sharer":{"state":"sharing","sas":"<b>1</b>"}}', '{"type":"signin-options"}', '{"type":"signin-options","signIn":{"email":"a@b.c","oidc":"yes","password":true}}', '{"type":"state","status":{"state":"live","actions":["<script>"]}}', '{"type":"state","status":{"state":"live","actions":"restart"}}'];
  for (const c of cases) {
    it(c, () => expect(() => parseEvent(c)).toThrow(ProtocolError));
  }
});
