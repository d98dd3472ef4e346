package trace_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/trace"
)

// standardHeader is the header of TRACE.md's example: 3 replicas, 1
// client, 2 values, 1 view change.
func standardHeader() trace.Header {
	return trace.NewHeader(bounded.Default())
}

const standardHeaderJSON = `{"schema":1,"kind":"vsr-trace","replicas":3,"clients":1,"values":["v1","v2"],` +
	`"options":{"stateTransfer":"fixed","recovery":"crashvectors","startViewInNormal":false},` +
	`"bounds":{"viewChangeTimeouts":1,"commitTimeouts":0,"recoveryTimeouts":0,"drops":0,"duplicates":0,"crashes":0,"maxDown":1}}`

const firstLine = `{"seq":1,"node":0,"clock":1,"action":"ReceiveRequest","args":{"type":"Request","op":"v1","client":1,"request":1},"state":{"status":"Normal"}}`

func TestWriteHeader(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, standardHeader(), nil))
	require.Equal(t, standardHeaderJSON+"\n", buf.String())

	h := trace.NewHeader(config(t, "replicas", "5", "statetransfer", "paper", "recovery", "paper", "startview-in-normal", "true",
		"clients", "2", "values", "0", "drops", "1", "duplicates", "2", "crashes", "3", "max-down", "2",
		"viewchanges", "2", "commit-timeouts", "-1", "recovery-timeouts", "-1"))
	buf.Reset()
	require.NoError(t, trace.Write(&buf, h, nil))
	require.Equal(t, `{"schema":1,"kind":"vsr-trace","replicas":5,"clients":2,"values":[],`+
		`"options":{"stateTransfer":"paper","recovery":"paper","startViewInNormal":true},`+
		`"bounds":{"viewChangeTimeouts":2,"commitTimeouts":-1,"recoveryTimeouts":-1,"drops":1,"duplicates":2,"crashes":3,"maxDown":2}}`+"\n", buf.String())
}

func TestHeaderConfigRoundTrip(t *testing.T) {
	c := config(t, "replicas", "5", "statetransfer", "paper", "startview-in-normal", "true", "values", "3", "drops", "1",
		"viewchanges", "2", "commit-timeouts", "-1", "batch", "4", "pipeline", "2")
	h := trace.NewHeader(c)
	got, err := h.Config()
	require.NoError(t, err)
	c.MaxDown = c.Down() // the header says how many, not -1 for f
	require.Equal(t, c, got)
}

func TestWriteReadRoundTrip(t *testing.T) {
	lines := []trace.Line{
		{Seq: 1, Node: 0, Clock: 1, Action: "ReceiveRequest", Args: json.RawMessage(`{"type":"Request","op":"v1","client":1,"request":1}`), State: json.RawMessage(`{"status":"Normal"}`)},
		{Seq: 2, Node: 2, Clock: 0, Action: "DropMessage", Args: json.RawMessage(`{"type":"Commit"}`), State: json.RawMessage(`{"status":"Normal"}`)},
	}
	var buf bytes.Buffer
	require.NoError(t, trace.Write(&buf, standardHeader(), lines))
	require.True(t, strings.HasPrefix(buf.String(), standardHeaderJSON+"\n"+firstLine+"\n"), buf.String())
	h, got, err := trace.Read(&buf)
	require.NoError(t, err)
	require.Equal(t, standardHeader(), h)
	require.Equal(t, lines, got)
}

func TestWriteRefusesLargeIntegers(t *testing.T) {
	line := trace.Line{Seq: 1, Clock: 1 << 31, Action: "SendCommit", Args: json.RawMessage(`{}`), State: json.RawMessage(`{}`)}
	err := trace.Write(&bytes.Buffer{}, standardHeader(), []trace.Line{line})
	require.EqualError(t, err, "trace: step 1: clock 2147483648: want 0 to 2^31-1")
	h := standardHeader()
	h.Bounds.Drops = 1 << 31
	err = trace.Write(&bytes.Buffer{}, h, nil)
	require.EqualError(t, err, "trace: header: drops 2147483648: want 0 to 2^31-1")
}

// TestReadMalformed requires every malformed file to be an error that
// names its first bad line.
func TestReadMalformed(t *testing.T) {
	for _, tt := range []struct {
		name, file, want string
	}{
		{"empty", "", "line 1: no header: the file is empty"},
		{"header not JSON", "{schema:1}\n", "line 1: header: malformed JSON object"},
		{"header key missing", `{"schema":1,"kind":"vsr-trace"}` + "\n", `line 1: header: no key "replicas"`},
		{"header bounds key missing", strings.Replace(standardHeaderJSON, `"maxDown":1`, `"maxdown":1`, 1) + "\n", `line 1: header: bounds: no key "maxDown"`},
		{"header schema", strings.Replace(standardHeaderJSON, `"schema":1`, `"schema":2`, 1) + "\n", "line 1: header: schema 2: want 1"},
		{"header values", strings.Replace(standardHeaderJSON, `"v2"`, `"x"`, 1) + "\n", `line 1: header: values: value 2 is "x"`},
		{"header replicas", strings.Replace(standardHeaderJSON, `"replicas":3`, `"replicas":0`, 1) + "\n", "line 1: header: replicas 0: want 1 to 63"},
		{"header option", strings.Replace(standardHeaderJSON, `"fixed"`, `"Fixed"`, 1) + "\n", `line 1: header: options: statetransfer "Fixed": want fixed or paper`},
		{"header options key unknown", strings.Replace(standardHeaderJSON, `"startViewInNormal":false`, `"startViewInNormal":false,"batches":2`, 1) + "\n",
			`line 1: header: options: unknown key "batches"`},
		{"header batch", strings.Replace(standardHeaderJSON, `"startViewInNormal":false`, `"startViewInNormal":false,"batch":70000`, 1) + "\n",
			"line 1: header: batch 70000: want 0 to 65535"},
		{"step not JSON", standardHeaderJSON + "\n" + firstLine + "\n" + `{"seq":2,` + "\n", "line 3: malformed JSON object"},
		{"empty line", standardHeaderJSON + "\n\n" + firstLine + "\n", "line 2: empty line"},
		{"unknown key", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"seq":1`, `"seq":1,"step":1`, 1) + "\n", `line 2: unknown key "step"`},
		{"missing key", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"clock":1,`, ``, 1) + "\n", `line 2: no key "clock"`},
		{"string for number", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"node":0`, `"node":"0"`, 1) + "\n", "line 2: malformed"},
		{"large seq", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"seq":1`, `"seq":2147483648`, 1) + "\n", "line 2: seq 2147483648: want 0 to 2^31-1"},
		{"large integer in args", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"request":1}`, `"request":2147483648}`, 1) + "\n",
			"line 2: args.request: 2147483648: want an integer of magnitude below 2^31"},
		{"fraction in state", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"state":{"status":"Normal"}`, `"state":{"status":"Normal","view":1.5}`, 1) + "\n",
			"line 2: state.view: 1.5: want an integer of magnitude below 2^31"},
		{"large integer in header", strings.Replace(standardHeaderJSON, `"drops":0`, `"drops":4294967296`, 1) + "\n",
			"line 1: header.bounds.drops: 4294967296: want an integer of magnitude below 2^31"},
		{"args not an object", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"args":{"type":"Request","op":"v1","client":1,"request":1}`, `"args":[]`, 1) + "\n", "line 2: args: not a JSON object"},
		{"state null", standardHeaderJSON + "\n" + strings.Replace(firstLine, `"state":{"status":"Normal"}`, `"state":null`, 1) + "\n", "line 2: state: not a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := trace.Read(strings.NewReader(tt.file))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.True(t, strings.HasPrefix(err.Error(), tt.want[:strings.Index(tt.want, ":")+1]), err.Error())
		})
	}
}

func TestReadWithoutFinalNewline(t *testing.T) {
	_, lines, err := trace.Read(strings.NewReader(standardHeaderJSON + "\n" + firstLine))
	require.NoError(t, err)
	require.Len(t, lines, 1)
}
