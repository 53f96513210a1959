package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/quickhelp/quickhelp/wire"
)

// AdminSessions lists the organisation's session records, newest first.
func (c *Client) AdminSessions(ctx context.Context, bearer string) ([]wire.SessionRecord, error) {
	var out []wire.SessionRecord
	err := c.do(ctx, http.MethodGet, wire.PathAdminSessions, "", bearer, nil, &out)
	return out, err
}

// AdminReports lists the organisation's abuse reports.
func (c *Client) AdminReports(ctx context.Context, bearer string) ([]wire.AbuseReport, error) {
	var out []wire.AbuseReport
	err := c.do(ctx, http.MethodGet, wire.PathAdminReports, "", bearer, nil, &out)
	return out, err
}

// OrgPolicy returns the administrator's organisation policy.
func (c *Client) OrgPolicy(ctx context.Context, bearer string) (wire.OrgPolicy, error) {
	var out wire.OrgPolicy
	err := c.do(ctx, http.MethodGet, wire.PathAdminOrg, "", bearer, nil, &out)
	return out, err
}

// SetOrgDisabled turns the whole organisation off or on; turning it off
// ends its live sessions.
func (c *Client) SetOrgDisabled(ctx context.Context, bearer string, disabled bool) (wire.OrgPolicy, error) {
	var out wire.OrgPolicy
	err := c.do(ctx, http.MethodPut, wire.PathAdminOrg, "", bearer, wire.OrgPolicyPatch{Disabled: &disabled}, &out)
	return out, err
}

// SetOrgRelayOnly makes the organisation's new sessions relay-only or not.
func (c *Client) SetOrgRelayOnly(ctx context.Context, bearer string, relayOnly bool) (wire.OrgPolicy, error) {
	var out wire.OrgPolicy
	err := c.do(ctx, http.MethodPut, wire.PathAdminOrg, "", bearer, wire.OrgPolicyPatch{RelayOnly: &relayOnly}, &out)
	return out, err
}

// SetUserDisabled suspends or re-enables a helper of the organisation.
func (c *Client) SetUserDisabled(ctx context.Context, bearer, userID string, disabled bool) (wire.User, error) {
	if userID == "" {
		return wire.User{}, fmt.Errorf("%w: empty user id", ErrBadRequest)
	}
	var out wire.User
	err := c.do(ctx, http.MethodPatch, wire.PathAdminUsers, userID, bearer, wire.UserPatch{Disabled: &disabled}, &out)
	return out, err
}
