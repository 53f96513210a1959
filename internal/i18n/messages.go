package i18n

// Key names one text of the catalogue.
type Key string

// message is one text in both languages. Placeholders are fmt verbs; a
// Japanese text may take them in another order with %[n]s.
type message struct{ en, ja string }

// The sharer's command line and daemon (quickhelp-sharer).
const (
	SharerUsage            Key = "sharer.usage"
	SharerNoCommand        Key = "sharer.no-command"
	SharerBadTimeout       Key = "sharer.bad-consent-timeout"
	SharerBadConsent       Key = "sharer.bad-consent-mode"
	SharerJoinNeedsCode    Key = "sharer.join-needs-code"
	SharerUnknownCommand   Key = "sharer.unknown-command"
	SharerNotRunning       Key = "sharer.not-running"
	SharerInsecureServer   Key = "sharer.insecure-server"
	SharerNotOwner         Key = "sharer.not-owner"
	SharerReady            Key = "sharer.ready"
	SharerHelperUnknown    Key = "sharer.helper-unknown"
	SharerWantsScreen      Key = "sharer.wants-screen"
	SharerScamWarning      Key = "sharer.scam-warning"
	SharerAskScreen        Key = "sharer.ask-screen"
	SharerHowScreen        Key = "sharer.how-screen"
	SharerWantsControl     Key = "sharer.wants-control"
	SharerCompareSAS       Key = "sharer.compare-sas"
	SharerAskControl       Key = "sharer.ask-control"
	SharerHowControl       Key = "sharer.how-control"
	SharerKeepSharing      Key = "sharer.keep-sharing"
	SharerHowKeepSharing   Key = "sharer.how-keep-sharing"
	SharerAskKeepSharing   Key = "sharer.ask-keep-sharing"
	SharerStopsSoon        Key = "sharer.stops-soon"
	SharerStopsAt          Key = "sharer.stops-at"
	SharerChatLine         Key = "sharer.chat-line"
	SharerResumed          Key = "sharer.resumed"
	SharerResumeFailed     Key = "sharer.resume-failed"
	SharerRestartRequest   Key = "sharer.restart-request"
	SharerAskRestart       Key = "sharer.ask-restart"
	SharerHowRestart       Key = "sharer.how-restart"
	StatusAwaitingResume   Key = "status.awaiting-resume"
	StatusRestarting       Key = "status.restarting"
	StatusIdle             Key = "status.idle"
	StatusJoining          Key = "status.joining"
	StatusAwaitingConsent  Key = "status.awaiting-consent"
	StatusSharing          Key = "status.sharing"
	StatusPaused           Key = "status.paused"
	StatusControlGranted   Key = "status.control-granted"
	StatusControlRequested Key = "status.control-requested"
	StatusViewOnly         Key = "status.view-only"
	StatusSAS              Key = "status.sas"
	StatusKeepSharing      Key = "status.keep-sharing"
	StatusRestartAsked     Key = "status.restart-asked"
	StatusEnd              Key = "status.end"
	StatusEnded            Key = "status.ended"
	StatusEndedUnknown     Key = "status.ended-unknown"
	StatusEndedReason      Key = "status.ended-reason"
)

// The sharer's tray icon.
const (
	TrayTitle          Key = "tray.title"
	TrayStop           Key = "tray.stop"
	TrayPause          Key = "tray.pause"
	TrayResume         Key = "tray.resume"
	TrayRevokeControl  Key = "tray.revoke-control"
	TrayKeepSharing    Key = "tray.keep-sharing"
	TrayTipKeepSharing Key = "tray.tip-keep-sharing"
	TrayTipNotSharing  Key = "tray.tip-not-sharing"
	TrayTipConnecting  Key = "tray.tip-connecting"
	TrayTipAwaiting    Key = "tray.tip-awaiting"
	TrayTipSharing     Key = "tray.tip-sharing"
	TrayTipControl     Key = "tray.tip-control"
	TrayTipPaused      Key = "tray.tip-paused"
	TrayHelperUnknown  Key = "tray.helper-unknown"
)

// The app (quickhelp): its command line and window titles.
const (
	AppUsage          Key = "app.usage"
	AppUnexpectedArg  Key = "app.unexpected-argument"
	AppNoWindow       Key = "app.no-window"
	AppNoPromptWindow Key = "app.no-prompt-window"
	AppPromptTitle    Key = "app.prompt-title"
)

var catalogue = map[Key]message{
	SharerUsage: {`Usage: quickhelp-sharer COMMAND [flags]

Get help:
  join CODE        join the helper's session with the code they read to you and
                   stay running until the session ends (asks before sharing)
  daemon           run idle, waiting for a join from the QuickHelp app; a session
                   this program left when it or the computer restarted is taken up
                   again (after you allow sharing again)

Answer and control a running session:
  allow | deny                     let the helper see your screen, or refuse
  allow-control | deny-control     let the helper use your mouse and keyboard, or refuse
  revoke-control                   take control back at once
  pause | resume                   stop showing your screen for a while, or continue
  keep-sharing                     answer "yes" to "Keep sharing?" (asked every 30 minutes;
                                   unanswered for 5 minutes, sharing stops)
  allow-restart | deny-restart     let the helper restart your computer, or refuse (the session
                                   goes on after you sign in and allow sharing again)
  stop                             end the session
  chat TEXT                        send a chat message to the helper
  report [COMMENT]                 report the helper for abuse (also ends the session)
  status                           show the session state
  events                           print events as JSON lines

Ctrl+Alt+Shift+S stops sharing at once, from any window.

Flags (also from the environment):
  --server URL     QuickHelp service (QUICKHELP_SERVER; default %s)
  --consent MODE   "local" (answer with allow/deny or the prompt window) or
                   "terminal" (answer here); default local
  --display :N     X display to share (DISPLAY)
  --monitor N      monitor to share first (0)
  --max-fps N      capture frame-rate cap (30)
  --consent-timeout D  an unanswered question counts as "deny" after D (60s, at most 60s)
  --socket PATH    local API socket (QUICKHELP_SHARER_SOCKET)
  --log-level L    debug, info, warn, error (info)
  --version        print the version
`, `使い方: quickhelp-sharer コマンド [フラグ]

サポートを受ける:
  join コード      サポート担当者が読み上げたコードでセッションに参加し、
                   セッションが終わるまで動き続けます（共有の前に確認します）
  daemon           待機して、QuickHelp アプリからの参加を待ちます。このプログラムや
                   コンピューターの再起動で中断したセッションは、共有をもう一度
                   許可すると再開します

実行中のセッションに応答・操作する:
  allow | deny                     画面を見ることを許可する、または拒否する
  allow-control | deny-control     マウスとキーボードの操作を許可する、または拒否する
  revoke-control                   操作の許可をすぐに取り消す
  pause | resume                   画面の表示を一時停止する、または再開する
  keep-sharing                     「共有を続けますか？」に「はい」と答える（30 分ごとに確認。
                                   5 分間応答がないと共有を停止します）
  allow-restart | deny-restart     コンピューターの再起動を許可する、または拒否する（サインインして
                                   共有をもう一度許可すると、セッションが続きます）
  stop                             セッションを終了する
  chat テキスト                    サポート担当者にチャットを送る
  report [コメント]                サポート担当者を不正利用として報告する（セッションも終了します）
  status                           セッションの状態を表示する
  events                           イベントを JSON の行で表示する

Ctrl+Alt+Shift+S でいつでも、どのウィンドウからでも共有をすぐに停止できます。

フラグ（環境変数でも指定できます）:
  --server URL     QuickHelp サービス（QUICKHELP_SERVER。既定値 %s）
  --consent MODE   "local"（allow/deny またはプロンプト ウィンドウで応答）または
                   "terminal"（ここで応答）。既定値 local
  --display :N     共有する X ディスプレイ（DISPLAY）
  --monitor N      最初に共有するモニター（0）
  --max-fps N      キャプチャのフレームレートの上限（30）
  --consent-timeout D  応答のない質問を D の後に「拒否」とみなす（60s。最大 60s）
  --socket PATH    ローカル API のソケット（QUICKHELP_SHARER_SOCKET）
  --log-level L    debug、info、warn、error（info）
  --version        バージョンを表示する
`},
	SharerNoCommand:      {"no command given", "コマンドが指定されていません"},
	SharerBadTimeout:     {"--consent-timeout must be between 1s and %v", "--consent-timeout は 1s から %v の間で指定してください"},
	SharerBadConsent:     {"--consent must be local or terminal, not %q", "--consent には local か terminal を指定してください（%q は使えません）"},
	SharerJoinNeedsCode:  {"join needs the code your helper gave you, e.g. join ABCD-EFGH", "join にはサポート担当者から伝えられたコードが必要です（例: join ABCD-EFGH）"},
	SharerUnknownCommand: {"unknown command %q", "不明なコマンドです: %q"},
	SharerNotRunning:     {"no session is running (start one with: quickhelp-sharer join CODE)", "実行中のセッションはありません（開始するには: quickhelp-sharer join コード）"},
	SharerInsecureServer: {"--server %s: The service address must start with https://. Plain http:// is only allowed for a QuickHelp service on this computer.",
		"--server %s: サービスのアドレスは https:// で始まる必要があります。http:// を使えるのは、このコンピューター上の QuickHelp サービスだけです。"},
	SharerNotOwner: {"another user's program is holding QuickHelp's local connection on this computer, so QuickHelp will not use it. Restart the computer, or ask your administrator to check which program it is.",
		"このコンピューターでは別のユーザーのプログラムが QuickHelp のローカル接続を使っているため、QuickHelp はその接続を使いません。コンピューターを再起動するか、どのプログラムかを管理者に確認してもらってください。"},
	SharerReady:         {"QuickHelp sharer is ready and waiting for a code from the QuickHelp app.", "QuickHelp の画面共有プログラムの準備ができました。QuickHelp アプリからのコードを待っています。"},
	SharerHelperUnknown: {"The helper", "サポート担当者"},
	SharerWantsScreen:   {"%s wants to see your screen.", "%s があなたの画面を見ようとしています。"},
	SharerScamWarning: {"Only continue if you contacted this helper yourself. Nobody from a bank, a software company or the police will ever call you first and ask for this.",
		"このサポート担当者に自分から連絡した場合のみ続けてください。銀行、ソフトウェア会社、警察などが先に電話をかけてきてこれを求めることはありません。"},
	SharerAskScreen:      {"Allow sharing your screen? [y/N] ", "画面の共有を許可しますか？ [y/N] "},
	SharerHowScreen:      {"To allow: quickhelp-sharer allow    To refuse: quickhelp-sharer deny", "許可するには: quickhelp-sharer allow    拒否するには: quickhelp-sharer deny"},
	SharerWantsControl:   {"%s wants to control your mouse and keyboard.", "%s があなたのマウスとキーボードを操作しようとしています。"},
	SharerCompareSAS:     {"Ask %[1]s to read you the security code: %[2]s. Allow only if it is the same.", "%[1]s にセキュリティコードを読み上げてもらってください: %[2]s。同じ場合にだけ許可してください。"},
	SharerAskControl:     {"Allow control? [y/N] ", "操作を許可しますか？ [y/N] "},
	SharerHowControl:     {"To allow: quickhelp-sharer allow-control    To refuse: quickhelp-sharer deny-control", "許可するには: quickhelp-sharer allow-control    拒否するには: quickhelp-sharer deny-control"},
	SharerKeepSharing:    {"You have been sharing your screen for a while. Keep sharing?", "しばらく画面を共有しています。共有を続けますか？"},
	SharerHowKeepSharing: {"To keep sharing: quickhelp-sharer keep-sharing    To stop: quickhelp-sharer stop", "共有を続けるには: quickhelp-sharer keep-sharing    停止するには: quickhelp-sharer stop"},
	SharerAskKeepSharing: {"Keep sharing? [y/N] ", "共有を続けますか？ [y/N] "},
	SharerStopsSoon:      {"Sharing stops soon unless you answer.", "応答がなければ、まもなく共有を停止します。"},
	SharerStopsAt:        {"Sharing stops at %s unless you answer.", "応答がなければ、%s に共有を停止します。"},
	SharerChatLine:       {"[chat] helper: %s", "[チャット] サポート担当者: %s"},
	SharerResumed: {"QuickHelp restarted during your session with %s. Go on sharing your screen with them?\n" +
		"Nothing is shown until you allow it, and they do not get control back unless you allow that again.",
		"%s とのセッション中に QuickHelp が再起動しました。画面の共有を続けますか？\n" +
			"許可するまで何も表示されません。また、もう一度許可しない限り、相手が操作を取り戻すことはありません。"},
	SharerResumeFailed: {"the previous session could not be resumed: %v", "前回のセッションを再開できませんでした: %v"},
	SharerRestartRequest: {"%s wants to restart your computer. Save your work first.\n" +
		"After you sign in again, QuickHelp asks whether to go on sharing with them.",
		"%s があなたのコンピューターを再起動しようとしています。先に作業内容を保存してください。\n" +
			"もう一度サインインすると、相手との共有を続けるかどうかを QuickHelp が確認します。"},
	SharerAskRestart: {"Restart now? [y/N] ", "今すぐ再起動しますか？ [y/N] "},
	SharerHowRestart: {"To restart: quickhelp-sharer allow-restart    To refuse: quickhelp-sharer deny-restart",
		"再起動するには: quickhelp-sharer allow-restart    拒否するには: quickhelp-sharer deny-restart"},
	StatusAwaitingResume: {"Waiting for you to allow or deny going on sharing with %s.", "%s との共有を続けるかどうかの応答を待っています。"},
	StatusRestarting: {"Your computer is restarting. After you sign in, QuickHelp asks whether to go on sharing with %s.",
		"コンピューターを再起動しています。サインインすると、%s との共有を続けるかどうかを QuickHelp が確認します。"},

	StatusIdle:             {"No session.", "セッションはありません。"},
	StatusJoining:          {"Joining…", "参加しています…"},
	StatusAwaitingConsent:  {"Waiting for you to allow or deny screen sharing.", "画面の共有を許可するか拒否するかの応答を待っています。"},
	StatusSharing:          {"Sharing your screen with %s", "%s と画面を共有しています"},
	StatusPaused:           {"Sharing is paused (%s)", "共有を一時停止しています（%s）"},
	StatusControlGranted:   {"; the helper controls your mouse and keyboard", "。サポート担当者がマウスとキーボードを操作しています"},
	StatusControlRequested: {"; the helper asks for control", "。サポート担当者が操作を求めています"},
	StatusViewOnly:         {"; view only", "。表示のみです"},
	StatusSAS:              {"; security code %s", "。セキュリティコード %s"},
	StatusKeepSharing:      {". Keep sharing? %s Answer: quickhelp-sharer keep-sharing", "。共有を続けますか？ %s 応答: quickhelp-sharer keep-sharing"},
	StatusRestartAsked:     {". The helper asks to restart your computer. Answer: quickhelp-sharer allow-restart or deny-restart", "。サポート担当者がコンピューターの再起動を求めています。応答: quickhelp-sharer allow-restart または deny-restart"},
	StatusEnd:              {".", "。"},
	StatusEnded:            {"The session has ended.", "セッションは終了しました。"},
	StatusEndedUnknown:     {"The session has ended (%s).", "セッションは終了しました（%s）。"},
	StatusEndedReason:      {"The session has ended. %s", "セッションは終了しました。%s"},

	TrayTitle:          {"QuickHelp", "QuickHelp（画面共有）"},
	TrayStop:           {"Stop sharing", "共有を停止"},
	TrayPause:          {"Pause sharing", "共有を一時停止"},
	TrayResume:         {"Resume sharing", "共有を再開"},
	TrayRevokeControl:  {"Revoke control", "操作の許可を取り消す"},
	TrayKeepSharing:    {"Keep sharing", "共有を続ける"},
	TrayTipKeepSharing: {"Keep sharing? Sharing stops soon unless you answer", "共有を続けますか？応答がなければ、まもなく共有を停止します"},
	TrayTipNotSharing:  {"QuickHelp: not sharing", "QuickHelp: 共有していません"},
	TrayTipConnecting:  {"QuickHelp: connecting to your helper", "QuickHelp: サポート担当者に接続しています"},
	TrayTipAwaiting:    {"%s is waiting for you to allow screen sharing", "%s が画面共有の許可を待っています"},
	TrayTipSharing:     {"Sharing your screen with %s", "%s と画面を共有しています"},
	TrayTipControl:     {"%s controls your mouse and keyboard", "%s がマウスとキーボードを操作しています"},
	TrayTipPaused:      {"Paused", "一時停止中"},
	TrayHelperUnknown:  {"your helper", "サポート担当者"},

	AppUsage: {"usage: quickhelp [-server URL] [-sharer-socket PATH] [-v]\n" +
		"       quickhelp console [-listen 127.0.0.1:0] [-server URL] [-sharer-socket PATH] [-v]\n" +
		"       quickhelp prompt [-server URL] [-sharer-socket PATH] [-v]",
		"使い方: quickhelp [-server URL] [-sharer-socket PATH] [-v]\n" +
			"        quickhelp console [-listen 127.0.0.1:0] [-server URL] [-sharer-socket PATH] [-v]\n" +
			"        quickhelp prompt [-server URL] [-sharer-socket PATH] [-v]"},
	AppUnexpectedArg: {"unexpected argument %q", "想定外の引数です: %q"},
	AppNoWindow: {"this build has no desktop window; run \"quickhelp console\" and open the address it prints, or build with wails",
		"このビルドにはデスクトップ ウィンドウがありません。\"quickhelp console\" を実行して表示されるアドレスを開くか、wails でビルドしてください"},
	AppNoPromptWindow: {"this build has no desktop window; the prompts appear in the \"quickhelp console\" page, or build with wails",
		"このビルドにはデスクトップ ウィンドウがありません。確認は \"quickhelp console\" のページに表示されます。または wails でビルドしてください"},
	AppPromptTitle: {"QuickHelp: screen sharing", "QuickHelp: 画面の共有"},
}
