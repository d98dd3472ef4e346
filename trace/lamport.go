package trace

import "github.com/viewstamped/vsr/route"

// lamport keeps the Lamport clocks of a trace: each replica's clock, and
// for each message in flight the clock of the line that last sent it.
type lamport struct {
	node []int
	sent map[sentKey]int
	// links, when set, records which line sent what each line consumed,
	// for a chart of the trace.
	links *links
}

// links are the messages of a trace as arrows between its lines.
type links struct {
	sender map[sentKey]int // the line that last sent each message in flight
	from   []int           // for each line, the line that sent what it consumed, or -1
	reply  []bool          // for each line, whether it replied to a client
}

func newLinks(lines int) *links {
	ls := &links{sender: map[sentKey]int{}, from: make([]int, lines), reply: make([]bool, lines)}
	for i := range ls.from {
		ls.from[i] = -1
	}
	return ls
}

// link records that line i of replica r consumed msg (nil for none) and
// sent effects.
func (l *lamport) link(i, r int, msg []byte, effects []route.Effect) {
	ls := l.links
	if ls == nil {
		return
	}
	if msg != nil {
		if s, ok := ls.sender[sentKey{r, string(msg)}]; ok {
			ls.from[i] = s
		}
	}
	route.Deliver(r, len(l.node), effects, func(to int, msg []byte) {
		ls.sender[sentKey{to, string(msg)}] = i
	}, func(uint64, []byte) { ls.reply[i] = true })
}

type sentKey struct {
	to  int
	msg string
}

func newLamport(n int) *lamport {
	return &lamport{node: make([]int, n), sent: map[sentKey]int{}}
}

// tick returns the clock of a rule line of replica r that consumes msg, or
// nothing when msg is nil, and makes it the replica's clock: one more than
// the replica's clock and than the clock of the line that last sent msg to
// r.
func (l *lamport) tick(r int, msg []byte) int {
	c := l.node[r]
	if msg != nil {
		c = max(c, l.sent[sentKey{r, string(msg)}])
	}
	l.node[r] = c + 1
	return c + 1
}

// sends records that a line with clock at replica from sent effects.
func (l *lamport) sends(from, clock int, effects []route.Effect) {
	route.Deliver(from, len(l.node), effects, func(to int, msg []byte) {
		l.sent[sentKey{to, string(msg)}] = clock
	}, func(uint64, []byte) {})
}
