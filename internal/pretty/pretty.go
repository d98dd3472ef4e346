// Package pretty prints protocol values on one line for people:
// Name{Field:value ...}, byte slices quoted, crash vectors shortened to CV
// and left out when empty, nested structs left out when all zero, a
// request's Read left out unless it reads, the fields of epochs left out
// in epoch 0, values with a String method
// (sets of replicas, statuses) as it says.
package pretty

import (
	"fmt"
	"reflect"
	"strings"
)

// epochNoise holds the fields of reconfiguration (7) left out when zero:
// without a reconfiguration, every replica stays in epoch 0.
var epochNoise = map[string]bool{
	"Epoch": true, "Reconfigure": true, "Members": true, "OldMembers": true, "EpochStart": true, "EpochStarted": true,
}

// Format prints v on one line.
func Format(v any) string {
	var sb strings.Builder
	format(&sb, reflect.ValueOf(v))
	return sb.String()
}

func format(sb *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		sb.WriteString("nil")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		format(sb, v.Elem())
	case reflect.Struct:
		sb.WriteString(v.Type().Name())
		sb.WriteString("{")
		first := true
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			name := v.Type().Field(i).Name
			// Noise: a nested struct that is all zero (the reply of a
			// request not yet executed), an empty crash vector (the paper's
			// recovery has none), a request that does not only read.
			if f.Kind() == reflect.Struct && f.IsZero() || name == "CrashVector" && f.Kind() == reflect.Slice && f.Len() == 0 ||
				name == "Read" && f.Kind() == reflect.Bool && !f.Bool() || epochNoise[name] && f.IsZero() {
				continue
			}
			if !first {
				sb.WriteString(" ")
			}
			first = false
			if name == "CrashVector" {
				name = "CV"
			}
			sb.WriteString(name + ":")
			format(sb, f)
		}
		sb.WriteString("}")
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(sb, "%q", v.Bytes())
			return
		}
		sb.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				sb.WriteString(" ")
			}
			format(sb, v.Index(i))
		}
		sb.WriteString("]")
	default:
		if v.CanInterface() {
			fmt.Fprint(sb, v.Interface())
		} else {
			fmt.Fprint(sb, v)
		}
	}
}
