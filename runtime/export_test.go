package runtime

// ParseHello is parseHello, for the fuzz test of package runtime_test.
func ParseHello(b []byte) error {
	_, err := parseHello(b)
	return err
}

// WriteMessage is writeMessage, for the chunking tests.
var WriteMessage = writeMessage
