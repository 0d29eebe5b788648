package topicaccess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/eventsource-wasm/eventsource-wasm/server/api"
	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/topicaccess"
)

func TestParseTopics(t *testing.T) {
	for _, c := range []struct {
		field string
		want  []string
		err   string
	}{
		{"", nil, ""},
		{"  , ", nil, ""},
		{"demo", []string{"demo"}, ""},
		{"demo, news  sport,demo", []string{"demo", "news", "sport"}, ""},
		{"demo,a/b", nil, `"a/b"`},
		{strings.Repeat("t,", 64) + "u", []string{"t", "u"}, ""},
	} {
		got, err := topicaccess.ParseTopics(c.field)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseTopics(%q): error %v, want one naming %s", c.field, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("ParseTopics(%q): %v", c.field, err)
		case !slices.Equal(got, c.want):
			t.Errorf("ParseTopics(%q) = %q, want %q", c.field, got, c.want)
		}
	}
	var many []string
	for i := range topicaccess.MaxTopics + 1 {
		many = append(many, "t"+strings.Repeat("x", i))
	}
	if _, err := topicaccess.ParseTopics(strings.Join(many, ",")); err == nil {
		t.Errorf("%d topics: no error", len(many))
	}
}

func TestLoginForm(t *testing.T) {
	if got := topicaccess.LoginForm(30, nil); got != "ttl=30" {
		t.Errorf("no topics: %q", got)
	}
	if got := topicaccess.LoginForm(15, []string{"demo", "news"}); got != "ttl=15&topics=demo%2Cnews" {
		t.Errorf("two topics: %q", got)
	}
}

func TestExplain(t *testing.T) {
	denied := topicaccess.Refusal{Status: 403, Error: &api.Error{Error: "topic_not_covered", Message: "the token does not cover topic other"}}
	got := topicaccess.Explain(denied, true, []string{"demo"}, "other")
	for _, want := range []string{"HTTP 403 Forbidden", "covers only demo, not topic other", "topic_not_covered", "does not cover topic other"} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain(403) = %q, want it to say %q", got, want)
		}
	}
	if got := topicaccess.Explain(topicaccess.Refusal{Status: 401}, false, nil, "demo"); got != "HTTP 401 Unauthorized: no token; log in first" {
		t.Errorf("Explain(401, no login) = %q", got)
	}
	if !topicaccess.Covers(nil, "x") || !topicaccess.Covers([]string{"x"}, "x") || topicaccess.Covers([]string{"x"}, "y") {
		t.Error("Covers: nil covers any topic, a list only its own")
	}
}

func TestLastRefusal(t *testing.T) {
	recs := []api.RequestRecord{{Status: 403}, {Status: 200}, {Status: 401, Error: &api.Error{Error: "missing_token"}}, {Status: 0}}
	r, ok := topicaccess.LastRefusal(recs)
	if !ok || r.Status != 401 || r.Error.Error != "missing_token" {
		t.Errorf("LastRefusal = %+v, %v; want the 401", r, ok)
	}
	if _, ok := topicaccess.LastRefusal(recs[1:2]); ok {
		t.Error("a 200 is no refusal")
	}
}
