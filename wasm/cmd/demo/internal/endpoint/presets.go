package endpoint

// Preset is one of this server's endpoints, ready to try.
type Preset struct {
	Name  string // the value of the preset menu's option
	Label string
	Note  string // what to watch for
	setup func(origin string) Setup
}

// Setup returns the preset's setup with URLs on origin (this server's).
func (p Preset) Setup(origin string) Setup { return p.setup(origin) }

func ints(n int) *int { return &n }

// Presets lists this server's endpoints in the order the menu shows them.
var Presets = []Preset{
	{"ticker", "Ticker — /events", "One event every 500 ms; the ids let a reconnect resume.",
		func(o string) Setup { return Setup{URL: o + "/events?interval=500ms&count=100&retry=1000"} }},
	{"bearer", "Bearer only — /auth/bearer-events", "Needs Authorization: Bearer <token>: log in on the Auth tab (or POST /auth/login) and paste the token after “Bearer ”. Native cannot send it.",
		func(o string) Setup {
			return Setup{URL: o + "/auth/bearer-events?interval=500ms&retry=1000",
				Headers: []Header{{Name: "Authorization", Value: "Bearer ", Secret: true}}}
		}},
	{"either", "Cookie or bearer — /auth/events", "Accepts the Authorization header or the es_token cookie (withCredentials sends the cookie cross-origin).",
		func(o string) Setup {
			return Setup{URL: o + "/auth/events?interval=500ms&retry=1000", WithCredentials: true,
				Headers: []Header{{Name: "Authorization", Value: "Bearer ", Secret: true}}}
		}},
	{"echo", "Request inspector — /echo", "Each connection's first event describes the request the server received: headers, Last-Event-ID, cookies.",
		func(o string) Setup {
			return Setup{URL: o + "/echo?n=3&interval=300ms&retry=1000",
				Headers: []Header{{Name: "X-Demo", Value: "hello"}}}
		}},
	{"drop", "Fault — drop after 3 events", "The server aborts each connection after three events; the reconnect sends Last-Event-ID.",
		func(o string) Setup { return Setup{URL: o + "/faults?drop_after=3&interval=300ms&retry=1000"} }},
	{"status503", "Fault — 503 with Retry-After", "retryOnStatus [503] reconnects after the Retry-After delay; without it the client stops.",
		func(o string) Setup {
			return Setup{URL: o + "/faults?status=503&retry_after=2", RetryOnStatus: []int{503}, MaxRetries: ints(3)}
		}},
	{"badtype", "Fault — wrong Content-Type", "A 200 answer as text/plain: not an event stream.",
		func(o string) Setup { return Setup{URL: o + "/faults?content_type=text/plain&count=3"} }},
	{"stall", "Fault — stall after 3 events", "The server stops writing; heartbeatTimeout makes WasmEventSource reconnect.",
		func(o string) Setup {
			return Setup{URL: o + "/faults?stall=3&interval=300ms&retry=1000", HeartbeatTimeout: 3000}
		}},
}

// PresetByName returns the preset with the given name.
func PresetByName(name string) (Preset, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}
