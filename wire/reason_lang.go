package wire

import (
	_ "embed"
	"encoding/json"
	"sync"
)

// The reasons' Japanese texts for Go-side output come from the golden list
// itself (testdata/reasons.json, which the page's catalogues and
// reason_test.go are checked against), so Go has no second copy to drift.
//
//go:embed testdata/reasons.json
var reasonsGolden []byte

var reasonsJa = sync.OnceValue(func() map[Reason]reasonText {
	var list []struct {
		Reason Reason `json:"reason"`
		Ja     string `json:"ja"`
		Sharer *struct {
			Ja string `json:"ja"`
		} `json:"sharer"`
	}
	m := map[Reason]reasonText{}
	if err := json.Unmarshal(reasonsGolden, &list); err != nil {
		return m // reason_test.go fails on a broken file; output falls back to English
	}
	for _, e := range list {
		t := reasonText{en: e.Ja}
		if e.Sharer != nil {
			t.sharer = e.Sharer.Ja
		}
		m[e.Reason] = t
	}
	return m
})

// TextJa is the Japanese text of r, or "" when the list has none (the
// caller then shows Text).
func (r Reason) TextJa() string { return reasonsJa()[r].en }

// SharerTextJa is the Japanese text of r as told to the person sharing the
// screen, or "" when the list has none.
func (r Reason) SharerTextJa() string {
	if t := reasonsJa()[r]; t.sharer != "" {
		return t.sharer
	}
	return r.TextJa()
}
