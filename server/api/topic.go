package api

// MaxTopicLen is the longest topic name.
const MaxTopicLen = 128

// ValidTopic reports whether name is a valid topic name: 1-128 letters,
// digits or ._~- (the unreserved characters of a URL path segment, so a
// name goes into a URL as it is). The server answers 400 bad_topic to
// any other.
func ValidTopic(name string) bool {
	if len(name) == 0 || len(name) > MaxTopicLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '~', c == '-':
		default:
			return false
		}
	}
	return true
}
