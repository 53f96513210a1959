package server

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/quickhelp/quickhelp/wire"
)

// oidcPage is one plain-language page the browser shows when sign-in with
// the organisation's provider cannot go on. The browser, not the app, is
// in front of the person here, so the service says what happened and what
// to do, in English or Japanese by Accept-Language.
type oidcPage int

const (
	pageBadRequest     oidcPage = iota // the app's start link is not valid
	pageNotLoopback                    // redirect_uri is not this computer
	pageUnknownOrg                     // no such organisation or no provider
	pageStateUnknown                   // foreign, used or expired state
	pageProviderDenied                 // the provider or the person cancelled
	pageProviderDown                   // the provider could not be reached
	pageTokenInvalid                   // ID token from another issuer/audience, expired, bad nonce
	pageNotAllowed                     // tenant or domain rules, unverified e-mail, identity of another organisation
	pageSuspended                      // helper suspended
	pageEmailTaken                     // a QuickHelp account already uses the e-mail
	pageBusy                           // rate limit or too many sign-ins in progress
	pageNotAdmin                       // the admin console, signed in as a helper
	pageInternal
	pageOrgDisabled // the organisation turned QuickHelp off
)

type pageText struct{ title, body string }

var oidcPages = map[string]map[oidcPage]pageText{
	"en": {
		pageBadRequest:     {"Sign-in could not start", "The sign-in link is incomplete. Close this page and start again from QuickHelp."},
		pageNotLoopback:    {"Sign-in could not start", "QuickHelp only sends sign-ins back to the QuickHelp app on this computer. Close this page and start again from QuickHelp."},
		pageUnknownOrg:     {"Organisation not found", "This organisation does not sign in with its own account system in QuickHelp. Check the name, or sign in with your QuickHelp password."},
		pageStateUnknown:   {"This sign-in is no longer valid", "The sign-in was already used, has expired, or was not started from your QuickHelp app. Close this page and sign in again from QuickHelp."},
		pageProviderDenied: {"Sign-in was cancelled", "Your organisation's sign-in page did not complete the sign-in. Close this page and try again from QuickHelp."},
		pageProviderDown:   {"Your organisation's sign-in is not reachable", "QuickHelp could not reach your organisation's sign-in service. Try again in a few minutes, or ask your administrator."},
		pageTokenInvalid:   {"Sign-in refused", "The answer from the sign-in service was not meant for QuickHelp or for your organisation, so it was refused. Close this page and sign in again from QuickHelp."},
		pageNotAllowed:     {"This account cannot use QuickHelp here", "Your account does not belong to this organisation, or its e-mail address is not verified. Ask your administrator."},
		pageSuspended:      {"Access is switched off", "Your QuickHelp account is suspended. Ask your administrator."},
		pageOrgDisabled:    {"QuickHelp is switched off", "Your organisation has turned QuickHelp off. Ask your administrator."},
		pageEmailTaken:     {"An account with this e-mail already exists", "A QuickHelp account that signs in with a password already uses your e-mail address. Ask your administrator; QuickHelp never joins the two on its own."},
		pageBusy:           {"Too many sign-ins", "Please wait a minute and try again."},
		pageNotAdmin:       {"Only administrators can use the admin console", "You signed in, but your account is not an administrator of the organisation. Helpers sign in from the QuickHelp app."},
		pageInternal:       {"Something went wrong", "Something went wrong on the QuickHelp server. Please try again."},
	},
	"ja": {
		pageBadRequest:     {"サインインを開始できませんでした", "サインインのリンクが不完全です。このページを閉じて、QuickHelp からもう一度始めてください。"},
		pageNotLoopback:    {"サインインを開始できませんでした", "QuickHelp はこのコンピューター上の QuickHelp アプリにだけサインインを返します。このページを閉じて、QuickHelp からもう一度始めてください。"},
		pageUnknownOrg:     {"組織が見つかりません", "この組織は QuickHelp で独自のアカウントによるサインインを使っていません。名前を確認するか、QuickHelp のパスワードでサインインしてください。"},
		pageStateUnknown:   {"このサインインは無効です", "このサインインは使用済みか、期限切れか、お使いの QuickHelp アプリから開始されたものではありません。このページを閉じて、QuickHelp からもう一度サインインしてください。"},
		pageProviderDenied: {"サインインは取り消されました", "組織のサインインページでサインインが完了しませんでした。このページを閉じて、QuickHelp からもう一度お試しください。"},
		pageProviderDown:   {"組織のサインインサービスに接続できません", "組織のサインインサービスに接続できませんでした。数分後にもう一度お試しいただくか、管理者にお問い合わせください。"},
		pageTokenInvalid:   {"サインインは拒否されました", "サインインサービスからの応答が QuickHelp またはお客様の組織向けではなかったため、拒否しました。このページを閉じて、QuickHelp からもう一度サインインしてください。"},
		pageNotAllowed:     {"このアカウントはここで QuickHelp を使えません", "お使いのアカウントはこの組織に属していないか、メールアドレスが確認されていません。管理者にお問い合わせください。"},
		pageSuspended:      {"利用が停止されています", "QuickHelp アカウントが停止されています。管理者にお問い合わせください。"},
		pageOrgDisabled:    {"QuickHelp はオフになっています", "組織が QuickHelp をオフにしています。管理者にお問い合わせください。"},
		pageEmailTaken:     {"このメールアドレスのアカウントがすでにあります", "パスワードでサインインする QuickHelp アカウントがすでにこのメールアドレスを使っています。管理者にお問い合わせください。QuickHelp が自動で 2 つをまとめることはありません。"},
		pageBusy:           {"サインインが多すぎます", "1 分ほど待ってからもう一度お試しください。"},
		pageNotAdmin:       {"管理コンソールは管理者のみ使用できます", "サインインしましたが、お使いのアカウントはこの組織の管理者ではありません。サポート担当者は QuickHelp アプリからサインインしてください。"},
		pageInternal:       {"問題が発生しました", "QuickHelp サーバーで問題が発生しました。もう一度お試しください。"},
	},
}

var pageStatus = map[oidcPage]int{
	pageBadRequest: http.StatusBadRequest, pageNotLoopback: http.StatusBadRequest, pageUnknownOrg: http.StatusNotFound,
	pageStateUnknown: http.StatusBadRequest, pageProviderDenied: http.StatusForbidden, pageProviderDown: http.StatusBadGateway,
	pageTokenInvalid: http.StatusForbidden, pageNotAllowed: http.StatusForbidden, pageSuspended: http.StatusForbidden,
	pageEmailTaken: http.StatusConflict, pageBusy: http.StatusTooManyRequests, pageInternal: http.StatusInternalServerError,
	pageNotAdmin: http.StatusForbidden, pageOrgDisabled: http.StatusForbidden,
}

// pageReason is the reason an app's sign-in is sent back with when the
// service's callback refuses it (see callbackFailed): the app's own
// loopback page and screen say it in the person's words. Only pages of a
// matched sign-in appear here; the others never reach the app.
var pageReason = map[oidcPage]wire.Reason{
	pageProviderDenied: wire.ReasonSSOFailed, pageProviderDown: wire.ReasonSSOFailed,
	pageTokenInvalid: wire.ReasonSSOFailed, pageUnknownOrg: wire.ReasonSSOFailed,
	pageNotAllowed: wire.ReasonSSONotAllowed, pageEmailTaken: wire.ReasonSSOEmailTaken,
	pageSuspended: wire.ReasonHelperSuspended, pageOrgDisabled: wire.ReasonOrgDisabled,
	pageBusy: wire.ReasonRateLimited, pageInternal: wire.ReasonInternal,
}

// reasonOf is the reason for a refusal page; sso-failed for any other.
func reasonOf(p oidcPage) wire.Reason {
	if r, ok := pageReason[p]; ok {
		return r
	}
	return wire.ReasonSSOFailed
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} – QuickHelp</title></head>
<body><main data-testid="oidc-refusal" data-page="{{.Kind}}"><h1>{{.Title}}</h1><p>{{.Body}}</p></main></body></html>
`))

// pageLang picks Japanese when the browser ranks it above English.
func pageLang(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(tag) {
		case "ja", "ja-jp":
			return "ja"
		case "en", "en-us", "en-gb":
			return "en"
		}
	}
	return "en"
}

func writePage(w http.ResponseWriter, r *http.Request, kind oidcPage) {
	lang := pageLang(r)
	txt := oidcPages[lang][kind]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(pageStatus[kind])
	_ = pageTemplate.Execute(w, struct {
		Lang, Title, Body string
		Kind              int
	}{lang, txt.title, txt.body, int(kind)})
}
