package trace_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

func TestStateInitial(t *testing.T) {
	r := spec.NewReplica(spec.Config{Replicas: 3}, 1)
	got, err := trace.State(&r)
	require.NoError(t, err)
	require.Equal(t, `{"status":"Normal","view":0,"lastNormalView":0,"opNumber":0,"commitNumber":0,"logStart":0,"log":[],`+
		`"clientTable":[],"checkpoint":{"op":0,"clientTable":[],"state":""},"prepareOKs":[],"startViewChanges":[],"sentDoViewChange":false,"doViewChanges":[],`+
		`"nonce":0,"recoveryResponses":[],"crashVectorFrom":[],"crashVector":[0,0,0],`+
		`"viewStart":0,"lease":0,"leaseRound":0,"leaseAge":0,"leaseGrants":[],"promise":0}`, string(got))
}

// TestStateEveryField renders a state with every field set: sets as sorted
// arrays, the kept messages with their type, log entries and replies
// without.
func TestStateEveryField(t *testing.T) {
	req := spec.Request{Op: []byte("v1"), Client: 1, Request: 2}
	r := spec.Replica{
		Config: spec.Config{Replicas: 3}, Index: 2,
		Status: spec.ViewChange, View: 4, LastNormalView: 3, OpNumber: 2, CommitNumber: 2,
		LogStart: 1, Log: []spec.Request{req},
		ClientTable: []spec.ClientRecord{{Client: 1, Request: 2, Executed: true,
			Reply: spec.Reply{View: 3, Request: 2, Client: 1, Result: []byte("v1")}}},
		Checkpoint: spec.Checkpoint{Op: 1, ClientTable: []spec.ClientRecord{{Client: 1, Request: 1, Executed: true,
			Reply: spec.Reply{View: 3, Request: 1, Client: 1, Result: []byte("v0")}}}, State: []byte{0, 0xff}},
		PrepareOKs:        []spec.OpAcks{{Op: 2, From: spec.ReplicaSet(0).Add(2).Add(0)}},
		StartViewChanges:  spec.ReplicaSet(0).Add(1).Add(0),
		SentDoViewChange:  true,
		DoViewChanges:     []spec.DoViewChange{{View: 4, Log: []spec.Request{req}, LastNormalView: 3, Op: 1, Commit: 1, Replica: 0}},
		Nonce:             7,
		RecoveryResponses: []spec.RecoveryResponse{{View: 4, Nonce: 7, Replica: 1, CrashVector: []uint32{0, 1, 0}}},
		CrashVectorFrom:   spec.ReplicaSet(0).Add(1),
		CrashVector:       []uint32{0, 1, 2},
	}
	got, err := trace.State(&r)
	require.NoError(t, err)
	require.Equal(t, `{"status":"ViewChange","view":4,"lastNormalView":3,"opNumber":2,"commitNumber":2,`+
		`"logStart":1,"log":[{"op":"v1","client":1,"request":2,"read":false}],`+
		`"clientTable":[{"client":1,"request":2,"executed":true,"reply":{"view":3,"request":2,"client":1,"result":"v1"}}],`+
		`"checkpoint":{"op":1,"clientTable":[{"client":1,"request":1,"executed":true,"reply":{"view":3,"request":1,"client":1,"result":"v0"}}],"state":"00ff"},`+
		`"prepareOKs":[{"op":2,"from":[0,2]}],"startViewChanges":[0,1],"sentDoViewChange":true,`+
		`"doViewChanges":[{"type":"DoViewChange","view":4,"checkpoint":{"op":0,"clientTable":[],"state":""},"log":[{"op":"v1","client":1,"request":2,"read":false}],"lastNormalView":3,"op":1,"commit":1,"replica":0,"crashVector":[]}],`+
		`"nonce":7,"recoveryResponses":[{"type":"RecoveryResponse","view":4,"nonce":7,"checkpoint":{"op":0,"clientTable":[],"state":""},"log":[],"op":0,"commit":0,"replica":1,"crashVector":[0,1,0]}],`+
		`"crashVectorFrom":[1],"crashVector":[0,1,2],`+
		`"viewStart":0,"lease":0,"leaseRound":0,"leaseAge":0,"leaseGrants":[],"promise":0}`, string(got))
}

func TestStatusNames(t *testing.T) {
	for s, want := range map[spec.Status]string{
		spec.Normal: "Normal", spec.ViewChange: "ViewChange", spec.StateTransfer: "StateTransfer",
		spec.RecoveringVector: "RecoveringVector", spec.Recovering: "Recovering", spec.Crashed: "Crashed",
		spec.Standby: "Standby", spec.Leaving: "Leaving", spec.Shutdown: "Shutdown",
	} {
		r := spec.Replica{Status: s}
		got, err := trace.State(&r)
		require.NoError(t, err)
		require.Contains(t, string(got), `{"status":"`+want+`",`)
	}
	r := spec.Replica{Status: spec.Shutdown + 1}
	_, err := trace.State(&r)
	require.ErrorContains(t, err, "state.status: no status 9")
}

func TestValueMessages(t *testing.T) {
	req := spec.Request{Op: []byte("v2"), Client: 1, Request: 1}
	for _, tt := range []struct {
		v    any
		want string
	}{
		{req, `{"type":"Request","op":"v2","client":1,"request":1,"read":false}`},
		{&req, `{"type":"Request","op":"v2","client":1,"request":1,"read":false}`},
		{spec.Prepare{View: 1, Requests: []spec.Request{req}, Op: 3, Commit: 2, CrashVector: []uint32{0, 0, 0}},
			`{"type":"Prepare","view":1,"requests":[{"op":"v2","client":1,"request":1,"read":false}],"op":3,"commit":2,"crashVector":[0,0,0]}`},
		{spec.PrepareOK{View: 1, Op: 3, Replica: 2}, `{"type":"PrepareOK","view":1,"op":3,"replica":2,"crashVector":[]}`},
		{spec.NewState{View: 2, After: 1, Op: 1, Replica: 0}, `{"type":"NewState","view":2,"after":1,"checkpoint":{"op":0,"clientTable":[],"state":""},"log":[],"op":1,"commit":0,"replica":0,"crashVector":[]}`},
		{spec.GetStartView{View: 2, Op: 1, Replica: 0}, `{"type":"GetStartView","view":2,"op":1,"replica":0,"crashVector":[]}`},
		{spec.CrashVectorRequest{Replica: 2, Nonce: 1}, `{"type":"CrashVectorRequest","replica":2,"nonce":1}`},
		{spec.Reply{View: 1, Request: 1, Client: 1, Result: []byte("v2")}, `{"type":"Reply","view":1,"request":1,"client":1,"result":"v2"}`},
		{spec.ViewChangeTimeout{}, `{"type":"ViewChangeTimeout"}`},
		{lang.Crash{}, `{"type":"Crash"}`},
		{lang.Restart{Nonce: 2}, `{"type":"Restart","nonce":2}`},
	} {
		got, err := trace.Value(tt.v)
		require.NoError(t, err)
		require.Equal(t, tt.want, string(got))
	}
	_, err := trace.Value(3)
	require.ErrorContains(t, err, "int is not a message or an event")
}

func TestArgs(t *testing.T) {
	msg, err := generated.AppendMessage(nil, spec.Commit{View: 1, Commit: 2, CrashVector: []uint32{1, 0, 0}})
	require.NoError(t, err)
	for _, tt := range []struct {
		ev   model.Event
		want string
	}{
		{model.Event{Kind: model.EventMessage, Msg: msg}, `{"type":"Commit","view":1,"commit":2,"crashVector":[1,0,0]}`},
		{model.Event{Kind: model.EventTimeout, Timeout: 0}, `{"type":"CommitTimeout"}`},
		{model.Event{Kind: model.EventTimeout, Timeout: 2}, `{"type":"RecoveryTimeout"}`},
		{model.Event{Kind: model.EventRequest, Client: 1, Request: 2, Value: []byte("v1")}, `{"type":"Request","op":"v1","client":1,"request":2,"read":false}`},
		{model.Event{Kind: model.EventCrash}, `{"type":"Crash"}`},
		{model.Event{Kind: model.EventRestart, Nonce: 3}, `{"type":"Restart","nonce":3}`},
	} {
		got, err := trace.Args(tt.ev)
		require.NoError(t, err)
		require.Equal(t, tt.want, string(got))
	}
	_, err = trace.Args(model.Event{Kind: model.EventTimeout, Timeout: 5})
	require.ErrorContains(t, err, "no timeout kind 5")
	_, err = trace.Args(model.Event{Kind: model.EventMessage, Msg: []byte{9}})
	require.Error(t, err)
}

// TestIntegersBelow2To31 requires the renderer to refuse an integer that
// TLC's Json module would truncate, and to name where it is.
func TestIntegersBelow2To31(t *testing.T) {
	r := spec.Replica{Nonce: 1<<31 - 1}
	_, err := trace.State(&r)
	require.NoError(t, err)
	r.Nonce = 1 << 31
	_, err = trace.State(&r)
	require.EqualError(t, err, "trace: state.nonce is 2147483648, not below 2^31")
	r = spec.Replica{Log: []spec.Request{{Op: []byte("v1"), Client: 1, Request: 1}, {Op: []byte("v2"), Client: 1 << 40}}}
	_, err = trace.State(&r)
	require.EqualError(t, err, "trace: state.log[1].client is 1099511627776, not below 2^31")
	_, err = trace.Value(spec.Prepare{Op: 1 << 31})
	require.EqualError(t, err, "trace: args.op is 2147483648, not below 2^31")
}

func TestBytesAreUTF8Strings(t *testing.T) {
	got, err := trace.Value(spec.Request{Op: []byte("a\"b\\c\n\u00e9")})
	require.NoError(t, err)
	require.Equal(t, `{"type":"Request","op":"a\"b\\c\u000a`+"\u00e9"+`","client":0,"request":0,"read":false}`, string(got))
	_, err = trace.Value(spec.Request{Op: []byte{0xff}})
	require.ErrorContains(t, err, `args.op: "\xff" is not UTF-8`)
}
