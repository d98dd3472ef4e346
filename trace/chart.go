package trace

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// Chart draws a trace as a message sequence chart, a self-contained SVG:
// a lane for each replica, and one on the left for the clients; a row for
// each line, top to bottom; every delivered message an arrow from the line
// that sent it to the line that consumed it; requests from the clients'
// lane and replies to it; timeouts, crashes, restarts and the network's
// faults marked; each replica's status and view along its lane, written
// where they change. The line at which the trace breaks an invariant or an
// action property, or stops being a behavior of the spec, is highlighted
// and says what. Chart replays the trace as Validate does, to learn what
// each line sent.
func Chart(w io.Writer, h Header, lines []Line) error {
	ls := newLinks(len(lines))
	rej, err := validate(h, lines, ls)
	if err != nil {
		return err
	}
	c := chart{h: h, lines: lines, links: ls, rej: rej}
	return c.draw(w)
}

// The chart's geometry, in pixels.
const (
	chartTop    = 70  // the first row
	chartRow    = 26  // between rows
	chartLeft   = 90  // the clients' lane
	chartLane   = 230 // between lanes
	chartMargin = 430 // right of the last lane, for the labels
)

type chart struct {
	h     Header
	lines []Line
	links *links
	rej   *Rejection
}

// laneX returns the x of replica r's lane; -1 is the clients'.
func (c *chart) laneX(r int) int {
	if r < 0 {
		return chartLeft
	}
	return chartLeft + chartLane*(r+1)
}

func rowY(i int) int { return chartTop + chartRow*i }

// replicaState is what the chart shows of a replica along its lane.
type replicaState struct {
	Status string `json:"status"`
	View   int    `json:"view"`
}

// statusColor is the colour of a lane in a status.
func statusColor(status string) string {
	switch status {
	case "Normal":
		return "#2e7d32"
	case "ViewChange":
		return "#ef6c00"
	case "StateTransfer":
		return "#1565c0"
	case "Recovering", "RecoveringVector":
		return "#6a1b9a"
	case "Crashed":
		return "#c62828"
	}
	return "#757575"
}

func (c *chart) draw(w io.Writer) error {
	n := c.h.Replicas
	rows := len(c.lines)
	width := c.laneX(n-1) + chartMargin
	height := rowY(rows) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="11">`+"\n", width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#37474f"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	title := fmt.Sprintf("%d replicas; state transfer %s, recovery %s, StartView in normal %v; %d lines",
		n, c.h.Options.StateTransfer, c.h.Options.Recovery, c.h.Options.StartViewInNormal, rows)
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="13" font-weight="bold">%s</text>`+"\n", esc(title))

	// The highlighted row, under everything else.
	if c.rej != nil && c.rej.Line >= 2 {
		i := c.rej.Line - 2
		what := "not a step of the spec: " + c.rej.Reason
		if c.rej.Broken != "" {
			what = "breaks " + c.rej.Broken
		}
		fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#ffcdd2"/>`+"\n", rowY(i)-chartRow/2, width, chartRow)
		if c.rej.Broken != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#b71c1c" font-weight="bold">%s</text>`+"\n", width-10, rowY(i)+9, esc(what))
		}
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="#b71c1c" font-weight="bold">%s</text>`+"\n", rowY(rows)+20, esc(fmt.Sprintf("seq %d: %s", c.rej.Seq, what)))
	}

	// Lanes: headers, then segments coloured by status.
	fmt.Fprintf(&b, `<text x="%d" y="44" text-anchor="middle" font-weight="bold">clients</text>`+"\n", c.laneX(-1))
	fmt.Fprintf(&b, `<line x1="%d" y1="52" x2="%d" y2="%d" stroke="#bdbdbd" stroke-dasharray="4 3"/>`+"\n", c.laneX(-1), c.laneX(-1), rowY(rows))
	states := make([]replicaState, n)
	since := make([]int, n) // the row each replica's current segment starts at
	for r := range n {
		states[r] = replicaState{Status: "Normal"}
		fmt.Fprintf(&b, `<text x="%d" y="44" text-anchor="middle" font-weight="bold">r%d</text>`+"\n", c.laneX(r), r)
	}
	segment := func(r, until int) {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n",
			c.laneX(r), rowY(since[r])-chartRow/2, c.laneX(r), rowY(until)-chartRow/2, statusColor(states[r].Status))
	}
	changed := map[int]replicaState{} // the lines after which a replica's status or view is new
	for i, l := range c.lines {
		var st replicaState
		if l.Node < 0 || l.Node >= n || json.Unmarshal(l.State, &st) != nil || st.Status == "" {
			continue
		}
		if st != states[l.Node] {
			segment(l.Node, i+1)
			states[l.Node], since[l.Node] = st, i+1
			changed[i] = st
		}
	}
	for r := range n {
		segment(r, rows)
	}

	// Arrows: what each line consumed, from the line that sent it.
	for i, from := range c.links.from {
		if from >= 0 {
			c.arrow(&b, c.lines[from].Node, from, c.lines[i].Node, i, argsType(c.lines[i].Args), "#37474f", "")
		}
	}
	for i, l := range c.lines {
		t := argsType(l.Args)
		if t == "Request" {
			c.arrow(&b, -1, i, l.Node, i, "Request", "#00838f", "")
		}
		if c.links.reply[i] {
			c.arrow(&b, l.Node, i, -1, i, "Reply", "#00838f", "4 3")
		}
	}

	// The lines themselves: a mark on the lane, and what happened.
	for i, l := range c.lines {
		x, y := c.laneX(l.Node), rowY(i)
		t := argsType(l.Args)
		label := fmt.Sprintf("%d %s", l.Seq, l.Action)
		switch {
		case l.Action == "DropMessage":
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#c62828" font-size="14" font-weight="bold">✕</text>`+"\n", x, y+5)
			label += " " + t
		case l.Action == "DuplicateMessage":
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="5" fill="none" stroke="#6d4c41" stroke-width="2"/>`+"\n", x, y)
			label += " " + t
		case t == "Crash":
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#c62828" font-size="16" font-weight="bold">✕</text>`+"\n", x, y+5)
		case t == "Restart":
			fmt.Fprintf(&b, `<polygon points="%d,%d %d,%d %d,%d" fill="#6a1b9a"/>`+"\n", x-5, y-6, x+6, y, x-5, y+6)
		case strings.HasSuffix(t, "Timeout"):
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" transform="rotate(45 %d %d)" fill="#f9a825"/>`+"\n", x-5, y-5, x, y)
			label += " (" + t + ")"
		default:
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4" fill="#37474f"/>`+"\n", x, y)
		}
		status := ""
		if st, ok := changed[i]; ok {
			status = fmt.Sprintf(` <tspan fill="%s">→ %s, view %d</tspan>`, statusColor(st.Status), esc(st.Status), st.View)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s%s</text>`+"\n", x+9, y-3, esc(label), status)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// arrow draws a message from lane from at row i to lane to at row j.
func (c *chart) arrow(b *strings.Builder, from, i, to, j int, label, color, dash string) {
	x1, y1, x2, y2 := c.laneX(from), rowY(i), c.laneX(to), rowY(j)
	if from == to {
		// A message to itself: a loop beside the lane.
		fmt.Fprintf(b, `<path d="M %d %d C %d %d, %d %d, %d %d" fill="none" stroke="%s" marker-end="url(#arrow)"/>`+"\n",
			x1, y1, x1-40, y1, x2-40, y2, x2-4, y2, color)
		return
	}
	if i == j {
		y2 += 2 // a request or reply in the line's own row
	}
	dashes := ""
	if dash != "" {
		dashes = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"%s marker-end="url(#arrow)"/>`+"\n", x1, y1, x2, y2, color, dashes)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="9">%s</text>`+"\n", (x1+x2)/2, (y1+y2)/2-3, color, esc(label))
}

func esc(s string) string { return html.EscapeString(s) }
