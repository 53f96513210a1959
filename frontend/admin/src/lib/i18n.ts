// The admin console's texts. English is the reference; Japanese must have
// exactly the same keys and placeholders (the type system and
// i18n.test.ts check). Reasons from the service (error codes, session end
// reasons) use the console's catalogue, which has every one of them.

import { pickLang, reasonKey, translate as consoleTranslate, type Lang } from '../../../src/lib/i18n';

export { pickLang, type Lang };
export { languages } from '../../../src/lib/i18n';

export const en = {
  'app.title': 'QuickHelp admin',
  'lang.label': 'Language',
  'login.heading': 'Sign in to administer your organisation',
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'top.signedIn': 'Signed in as {email} ({org})',
  'top.signOut': 'Sign out',
  'nav.helpers': 'Helpers',
  'nav.org': 'Organisation',
  'nav.live': 'Live sessions',
  'nav.records': 'Session records',
  'nav.reports': 'Abuse reports',
  'nav.audit': 'Audit log',
  'common.refresh': 'Refresh',
  'common.save': 'Save',
  'common.saved': 'Saved.',
  'common.none': 'Nothing to show.',
  'common.loading': 'Loading…',
  'helpers.search': 'Search by name or e-mail',
  'helpers.name': 'Name',
  'helpers.email': 'E-mail',
  'helpers.role': 'Role',
  'helpers.status': 'Status',
  'helpers.actions': 'Actions',
  'helpers.active': 'Active',
  'helpers.suspended': 'Suspended',
  'helpers.suspend': 'Suspend',
  'helpers.restore': 'Restore',
  'helpers.confirmSuspend': 'Suspend {email}? Their live sessions end at once and they cannot sign in.',
  'role.helper': 'Helper',
  'role.admin': 'Admin',
  'org.heading': 'Organisation settings',
  'org.enabled': 'QuickHelp is on for this organisation',
  'org.enabledHint': 'Turning it off ends every live session of the organisation and refuses new codes.',
  'org.confirmOff': 'Turn QuickHelp off for {org}? Every live session ends now.',
  'org.relayOnly': 'Relay-only sessions',
  'org.relayOnlyHint': 'Screen and control always pass through the service’s relay, never directly between the two computers.',
  'oidc.heading': 'Sign-in',
  'oidc.intro': 'Let your people sign in with your organisation’s identity provider (OpenID Connect: Entra ID, Google, Okta, Keycloak…).',
  'oidc.issuer': 'Issuer URL',
  'oidc.clientId': 'Client ID',
  'oidc.clientSecret': 'Client secret',
  'oidc.secretStored': 'A secret is stored. Leave empty to keep it.',
  'oidc.allowedDomain': 'Allowed e-mail domain',
  'oidc.tenantClaim': 'Tenant claim (claim=value)',
  'oidc.localSignIn': 'Also allow QuickHelp passwords',
  'oidc.noProvider': 'No identity provider is set: people sign in with QuickHelp passwords.',
  'oidc.remove': 'Remove the provider',
  'live.helper': 'Helper',
  'live.created': 'Created',
  'live.state': 'State',
  'live.waiting': 'Waiting for the code',
  'live.running': 'Running since {time}',
  'live.end': 'End session',
  'live.confirmEnd': 'End this session for both people?',
  'records.intro': 'Records are kept for 72 hours and hold only times, the end reason, error codes and the features used.',
  'records.created': 'Created',
  'records.started': 'Started',
  'records.ended': 'Ended',
  'records.reason': 'End reason',
  'records.features': 'Features',
  'records.errors': 'Errors',
  'reports.created': 'Reported',
  'reports.helper': 'Helper',
  'reports.session': 'Session',
  'reports.comment': 'Comment',
  'reports.status': 'Status',
  'reports.open': 'Open',
  'reports.handled': 'Handled by {email}, {time}',
  'reports.markHandled': 'Mark handled',
  'reports.reopen': 'Reopen',
  'audit.intro': 'Every admin action: who, what and when. Kept for a year by default; it holds nothing from sessions.',
  'audit.when': 'When',
  'audit.who': 'Who',
  'audit.action': 'Action',
  'audit.target': 'Target',
  'audit.detail': 'Detail',
  'action.sign-in': 'Signed in to the admin console',
  'action.sign-out': 'Signed out of the admin console',
  'action.user-suspend': 'Suspended an account',
  'action.user-restore': 'Restored an account',
  'action.user-role': 'Changed a role',
  'action.org-disable': 'Turned QuickHelp off',
  'action.org-enable': 'Turned QuickHelp on',
  'action.org-relay-only': 'Changed relay-only sessions',
  'action.org-oidc': 'Changed the sign-in settings',
  'action.session-end': 'Ended a live session',
  'action.report-handled': 'Marked a report handled',
  'action.report-reopened': 'Reopened a report',
};

export type Key = keyof typeof en;
export type Catalogue = Record<Key, string>;

export const ja: Catalogue = {
  'app.title': 'QuickHelp 管理',
  'lang.label': '言語',
  'login.heading': '組織を管理するにはサインインしてください',
  'login.email': 'メールアドレス',
  'login.password': 'パスワード',
  'login.submit': 'サインイン',
  'login.busy': 'サインインしています…',
  'top.signedIn': '{email}（{org}）としてサインイン中',
  'top.signOut': 'サインアウト',
  'nav.helpers': 'サポート担当者',
  'nav.org': '組織',
  'nav.live': '進行中のセッション',
  'nav.records': 'セッション記録',
  'nav.reports': '不正利用の報告',
  'nav.audit': '監査ログ',
  'common.refresh': '更新',
  'common.save': '保存',
  'common.saved': '保存しました。',
  'common.none': '表示するものはありません。',
  'common.loading': '読み込んでいます…',
  'helpers.search': '名前またはメールアドレスで検索',
  'helpers.name': '名前',
  'helpers.email': 'メールアドレス',
  'helpers.role': '役割',
  'helpers.status': '状態',
  'helpers.actions': '操作',
  'helpers.active': '有効',
  'helpers.suspended': '停止中',
  'helpers.suspend': '停止',
  'helpers.restore': '再開',
  'helpers.confirmSuspend': '{email} を停止しますか？進行中のセッションはすぐに終了し、サインインできなくなります。',
  'role.helper': 'サポート担当者',
  'role.admin': '管理者',
  'org.heading': '組織の設定',
  'org.enabled': 'この組織で QuickHelp を有効にする',
  'org.enabledHint': '無効にすると、組織の進行中のセッションはすべて終了し、新しいコードは発行されません。',
  'org.confirmOff': '{org} の QuickHelp を無効にしますか？進行中のセッションはすべて今すぐ終了します。',
  'org.relayOnly': 'リレーのみのセッション',
  'org.relayOnlyHint': '画面と操作は常にサービスのリレーを経由し、2 台のコンピューター間で直接やり取りしません。',
  'oidc.heading': 'サインイン',
  'oidc.intro': '組織の ID プロバイダー（OpenID Connect: Entra ID、Google、Okta、Keycloak など）でサインインできるようにします。',
  'oidc.issuer': '発行者 (Issuer) URL',
  'oidc.clientId': 'クライアント ID',
  'oidc.clientSecret': 'クライアント シークレット',
  'oidc.secretStored': 'シークレットは保存済みです。変更しない場合は空のままにしてください。',
  'oidc.allowedDomain': '許可するメール ドメイン',
  'oidc.tenantClaim': 'テナント クレーム（claim=value）',
  'oidc.localSignIn': 'QuickHelp のパスワードでのサインインも許可する',
  'oidc.noProvider': 'ID プロバイダーは設定されていません。QuickHelp のパスワードでサインインします。',
  'oidc.remove': 'プロバイダーを削除',
  'live.helper': 'サポート担当者',
  'live.created': '作成',
  'live.state': '状態',
  'live.waiting': 'コードの入力待ち',
  'live.running': '{time} から進行中',
  'live.end': 'セッションを終了',
  'live.confirmEnd': '両方の参加者のセッションを終了しますか？',
  'records.intro': '記録は 72 時間保存され、時刻、終了理由、エラー コード、使用した機能だけを含みます。',
  'records.created': '作成',
  'records.started': '開始',
  'records.ended': '終了',
  'records.reason': '終了理由',
  'records.features': '機能',
  'records.errors': 'エラー',
  'reports.created': '報告日時',
  'reports.helper': 'サポート担当者',
  'reports.session': 'セッション',
  'reports.comment': 'コメント',
  'reports.status': '状態',
  'reports.open': '未対応',
  'reports.handled': '{email} が対応済み（{time}）',
  'reports.markHandled': '対応済みにする',
  'reports.reopen': '未対応に戻す',
  'audit.intro': '管理者のすべての操作（誰が、何を、いつ）。既定で 1 年間保存され、セッションの内容は含みません。',
  'audit.when': '日時',
  'audit.who': '実行者',
  'audit.action': '操作',
  'audit.target': '対象',
  'audit.detail': '詳細',
  'action.sign-in': '管理コンソールにサインイン',
  'action.sign-out': '管理コンソールからサインアウト',
  'action.user-suspend': 'アカウントを停止',
  'action.user-restore': 'アカウントを再開',
  'action.user-role': '役割を変更',
  'action.org-disable': 'QuickHelp を無効化',
  'action.org-enable': 'QuickHelp を有効化',
  'action.org-relay-only': 'リレーのみの設定を変更',
  'action.org-oidc': 'サインインの設定を変更',
  'action.session-end': '進行中のセッションを終了',
  'action.report-handled': '報告を対応済みに変更',
  'action.report-reopened': '報告を未対応に戻す',
};

export const catalogues: Record<Lang, Catalogue> = { en, ja };

/** t looks up key and fills {placeholders}. */
export function t(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const s = catalogues[lang][key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** reasonText is the console's text for a reason code from the service. */
export function reasonText(lang: Lang, code: string | undefined): string {
  return consoleTranslate(lang, reasonKey(code));
}

/** actionText names an audit action; an unknown one (a newer service) shows as sent. */
export function actionText(lang: Lang, action: string): string {
  const k = `action.${action}`;
  return k in en ? t(lang, k as Key) : action;
}

/** formatTime shows an RFC 3339 time in the page's language, or '' without one. */
export function formatTime(lang: Lang, iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}
