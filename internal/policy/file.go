package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// maxFileSize bounds the policy file; anything larger is not a policy.
const maxFileSize = 64 << 10

// fileFormat is the JSON policy file. Field names match the registry
// values; encoding/json also accepts them in lower camel case.
type fileFormat struct {
	Disabled                   bool     `json:"Disabled"`
	AllowedServers             []string `json:"AllowedServers"`
	AllowedHelperOrganizations []string `json:"AllowedHelperOrganizations"`
	ForceRelay                 bool     `json:"ForceRelay"`
}

// loadFile reads the policy file at path. A missing file means no policy;
// a file (or directory) that someone other than owner may change fails
// closed, like any other policy that cannot be trusted as written.
func loadFile(path string, owner ownerRule) (Policy, error) {
	f, err := openNoFollow(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Policy{}, nil
	}
	if err != nil {
		return failClosed(path, err)
	}
	defer f.Close()
	if err := checkOwner(f, path, owner); err != nil {
		return failClosed(path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return failClosed(path, err)
	}
	p, err := ParseFile(data)
	if err != nil {
		return failClosed(path, err)
	}
	p.Source = path
	return p, nil
}

// ParseFile parses the JSON policy file format. Unknown fields, trailing
// data, an empty file and invalid entries are errors: a policy with a typo
// must not be half applied.
func ParseFile(data []byte) (Policy, error) {
	if len(data) > maxFileSize {
		return Policy{}, fmt.Errorf("policy file larger than %d bytes", maxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ff fileFormat
	if err := dec.Decode(&ff); err != nil {
		return Policy{}, fmt.Errorf("parse policy: %w", err)
	}
	if dec.More() {
		return Policy{}, errors.New("parse policy: data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Policy{}, errors.New("parse policy: data after the JSON object")
	}
	p := Policy{
		Disabled:                   ff.Disabled,
		AllowedServers:             ff.AllowedServers,
		AllowedHelperOrganizations: ff.AllowedHelperOrganizations,
		ForceRelay:                 ff.ForceRelay,
	}
	if err := p.validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}
