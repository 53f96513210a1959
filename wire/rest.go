package wire

import "time"

// Roles of a session participant and of a helper account.
const (
	RoleHelper = "helper"
	RoleSharer = "sharer"
	RoleAdmin  = "admin"
)

// REST paths of the service. {id} is a session ID.
const (
	PathLogin          = "/v1/auth/login"
	PathLogout         = "/v1/auth/logout"
	PathSessions       = "/v1/sessions"             // POST: create a code (helper)
	PathJoin           = "/v1/join"                 // POST: join with a code (no auth)
	PathSessionWS      = "/v1/sessions/{id}/ws"     // GET: session WebSocket (participant)
	PathSessionCancel  = "/v1/sessions/{id}"        // DELETE: helper cancels a code or ends
	PathReport         = "/v1/sessions/{id}/report" // POST: sharer reports abuse
	PathAdminSessions  = "/v1/admin/sessions"       // GET: session records (admin)
	PathAdminReports   = "/v1/admin/reports"        // GET: abuse reports (admin)
	PathAdminOrg       = "/v1/admin/org"            // GET/PUT: organisation policy (admin)
	PathAdminUsers     = "/v1/admin/users/{id}"     // PATCH: suspend/enable a helper, change a role (admin)
	PathAdminUserList  = "/v1/admin/users"          // GET: the organisation's accounts, ?q= searches (admin)
	PathAdminLive      = "/v1/admin/live"           // GET: the organisation's live sessions (admin)
	PathAdminLiveEnd   = "/v1/admin/live/{id}"      // DELETE: end a live session (admin)
	PathAdminReport    = "/v1/admin/reports/{id}"   // PATCH: mark an abuse report handled (admin)
	PathAdminAudit     = "/v1/admin/audit"          // GET: the organisation's audit log (admin)
	PathAdminOIDC      = "/v1/admin/org/oidc"       // GET/PUT: the organisation's OpenID Connect provider (admin)
	PathOIDCLookup     = "/v1/auth/oidc/lookup"     // GET ?email=: how people of that e-mail domain sign in (no auth)
	PathOIDCStart      = "/v1/auth/oidc/start"      // GET: the app's browser starts sign-in with the organisation's provider
	PathOIDCCallback   = "/v1/auth/oidc/callback"   // GET: the provider returns the browser here
	PathOIDCToken      = "/v1/auth/oidc/token"      // POST: the app trades its one-time code for a sign-in token
	PathAdminOIDCStart = "/v1/admin/oidc/start"     // GET ?org=: the admin console's sign-in with the organisation's provider
	// The admin console's cookie session (see AdminSession).
	PathAdminLogin   = "/v1/admin/login"   // POST LoginRequest: sign in, sets the session cookie
	PathAdminSession = "/v1/admin/session" // GET: the signed-in admin and the CSRF token
	PathAdminLogout  = "/v1/admin/logout"  // POST: end the cookie session
	// PathAdminConsole is where the admin console's pages are served.
	PathAdminConsole = "/admin/"
	PathHealth       = "/healthz"
	PathMetrics      = "/metrics"
)

// LoginRequest is the body of POST /v1/auth/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// User is a helper or admin account as the service shows it to its owner.
type User struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Role         string `json:"role"`
	Organization string `json:"organization"`
	Disabled     bool   `json:"disabled,omitempty"`
}

// LoginResponse answers a successful sign-in.
type LoginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      User      `json:"user"`
}

// ICEServer is one STUN/TURN server with optional ephemeral credentials.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICE transport policies (RTCIceTransportPolicy): which candidates a peer
// may use.
const (
	ICEPolicyAll   = "all"   // host, server-reflexive and relay candidates
	ICEPolicyRelay = "relay" // relay candidates only: all media through TURN
)

// CreateSessionResponse answers POST /v1/sessions. Token is the helper's
// participant token for the session WebSocket. ICETransportPolicy is the
// session's effective policy (service flag or organisation setting); both
// peers apply it. An absent value means ICEPolicyAll.
type CreateSessionResponse struct {
	SessionID          string      `json:"sessionId"`
	Code               string      `json:"code"` // displayed form, ABCD-EFGH
	ExpiresAt          time.Time   `json:"expiresAt"`
	Token              string      `json:"token"`
	ICEServers         []ICEServer `json:"iceServers"`
	ICETransportPolicy string      `json:"iceTransportPolicy,omitempty"`
}

// JoinRequest is the body of POST /v1/join.
type JoinRequest struct {
	Code string `json:"code"`
}

// HelperInfo is all a sharer ever learns about the helper.
type HelperInfo struct {
	DisplayName  string `json:"displayName"` // first name and last initial: "Alex P."
	Organization string `json:"organization"`
}

// JoinResponse answers a successful join.
type JoinResponse struct {
	SessionID          string      `json:"sessionId"`
	Token              string      `json:"token"`
	Helper             HelperInfo  `json:"helper"`
	ICEServers         []ICEServer `json:"iceServers"`
	ICETransportPolicy string      `json:"iceTransportPolicy,omitempty"` // as in CreateSessionResponse
}

// ReportRequest is the body of POST /v1/sessions/{id}/report.
type ReportRequest struct {
	Comment string `json:"comment,omitempty"`
}

// Error is the body of every non-2xx answer. Code is the stable reason that
// programs act on and UIs translate; Message is English for people reading
// the raw answer (and for older clients).
type Error struct {
	Code    Reason `json:"error"`
	Message string `json:"message"`
}

// SessionRecord is the minimal telemetry kept about a session: never chat,
// SDP, codes, tokens or addresses.
type SessionRecord struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"orgId"`
	HelperID   string     `json:"helperId"`
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	EndedAt    *time.Time `json:"endedAt,omitempty"`
	EndReason  Reason     `json:"endReason,omitempty"`
	ErrorCodes []Reason   `json:"errorCodes"`
	Features   []string   `json:"features"`
}

// Features a session may use (SessionRecord.Features).
const (
	FeatureViewOnly   = "view-only"
	FeatureControl    = "control"
	FeatureAnnotation = "annotation"
	FeaturePause      = "pause"
	FeatureChat       = "chat"
	FeatureReport     = "report"
)

// AbuseReport is what admins see of a sharer's report. HandledAt and
// HandledBy (the admin's e-mail) are set once an admin marked it handled.
type AbuseReport struct {
	ID        string     `json:"id"`
	SessionID string     `json:"sessionId"`
	HelperID  string     `json:"helperId"`
	Comment   string     `json:"comment"`
	CreatedAt time.Time  `json:"createdAt"`
	HandledAt *time.Time `json:"handledAt,omitempty"`
	HandledBy string     `json:"handledBy,omitempty"`
}

// OrgPolicy is an organisation's service-side policy.
type OrgPolicy struct {
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
	// RelayOnly makes the organisation's sessions relay-only (no direct
	// connection between the peers).
	RelayOnly bool `json:"relayOnly"`
}

// OrgPolicyPatch is the body of PUT /v1/admin/org: fields left out keep
// their value.
type OrgPolicyPatch struct {
	Name      *string `json:"name,omitempty"` // ignored: the name cannot be changed here
	Disabled  *bool   `json:"disabled,omitempty"`
	RelayOnly *bool   `json:"relayOnly,omitempty"`
}

// UserPatch is the body of PATCH /v1/admin/users/{id}: fields left out
// keep their value. Role is RoleHelper or RoleAdmin.
type UserPatch struct {
	Disabled *bool   `json:"disabled,omitempty"`
	Role     *string `json:"role,omitempty"`
}

// AdminSession answers the admin console's sign-in and GET
// /v1/admin/session. The session itself is an HttpOnly cookie the page
// never sees; CSRFToken goes in the CSRFHeader of every unsafe request.
type AdminSession struct {
	User      User      `json:"user"`
	CSRFToken string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// CSRFHeader carries AdminSession.CSRFToken on cookie-authenticated
// POST, PUT, PATCH and DELETE requests.
const CSRFHeader = "X-QuickHelp-CSRF"

// LiveSession is a session of the organisation that has not ended: waiting
// for its code to be used (StartedAt absent) or running.
type LiveSession struct {
	ID          string     `json:"id"`
	HelperID    string     `json:"helperId"`
	HelperEmail string     `json:"helperEmail"`
	CreatedAt   time.Time  `json:"createdAt"`
	StartedAt   *time.Time `json:"startedAt,omitempty"`
}

// ReportPatch is the body of PATCH /v1/admin/reports/{id}.
type ReportPatch struct {
	Handled *bool `json:"handled,omitempty"`
}

// AuditEntry is one admin action: who, what, when. It never holds session
// content (chat, SDP, codes, tokens, addresses).
type AuditEntry struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actorId"`
	ActorEmail string    `json:"actorEmail"`
	Action     string    `json:"action"`
	Target     string    `json:"target,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Audit actions (AuditEntry.Action).
const (
	AuditSignIn         = "sign-in"         // an admin console session started
	AuditSignOut        = "sign-out"        // an admin console session ended by its owner
	AuditUserSuspend    = "user-suspend"    // Target: the account's e-mail
	AuditUserRestore    = "user-restore"    // Target: the account's e-mail
	AuditUserRole       = "user-role"       // Target: the e-mail; Detail: the new role
	AuditOrgDisable     = "org-disable"     // QuickHelp turned off for the organisation
	AuditOrgEnable      = "org-enable"      // and on again
	AuditOrgRelayOnly   = "org-relay-only"  // Detail: true or false
	AuditOrgOIDC        = "org-oidc"        // the OIDC provider or password sign-in changed; Detail: the issuer and local sign-in, never the secret
	AuditOrgAdminAdd    = "org-admin-add"   // Target: the e-mail that becomes admin at its first provider sign-in
	AuditSessionEnd     = "session-end"     // Target: the session ID
	AuditReportHandled  = "report-handled"  // Target: the report ID
	AuditReportReopened = "report-reopened" // Target: the report ID
)

// OIDCSettings is an organisation's OpenID Connect provider, the body of
// GET and PUT /v1/admin/org/oidc. ClientSecret is write-only: a PUT sets it
// (empty keeps the stored one), a GET never carries it and says only
// HasSecret. A PUT with an empty Issuer removes the provider. LocalSignIn
// says whether the organisation's people may also sign in with a
// QuickHelp password (absent in a PUT: unchanged).
type OIDCSettings struct {
	Issuer        string `json:"issuer"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret,omitempty"`
	AllowedDomain string `json:"allowed_domain"`
	TenantClaim   string `json:"tenant_claim"` // "claim=value", e.g. "tid=<tenant ID>"; empty: none
	HasSecret     bool   `json:"has_secret"`
	LocalSignIn   *bool  `json:"local_sign_in,omitempty"`
}

// OIDCLookupResponse answers GET /v1/auth/oidc/lookup?email=: the
// organisation that owns the e-mail's domain and how its people sign in.
// An unknown domain answers Password true and no organisation.
type OIDCLookupResponse struct {
	Organization string `json:"organization,omitempty"`
	OIDC         bool   `json:"oidc"`
	Password     bool   `json:"password"`
}

// OIDCTokenRequest is the body of POST /v1/auth/oidc/token: the one-time
// code the service gave the app's loopback address, and the PKCE verifier
// of the code_challenge the app sent to /v1/auth/oidc/start. The answer is
// a LoginResponse.
type OIDCTokenRequest struct {
	Code         string `json:"code"`
	CodeVerifier string `json:"code_verifier"`
}
