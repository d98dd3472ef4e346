// Package pretty prints protocol values on one line for traces:
// Name{Field:value ...}, byte slices quoted, crash vectors shortened to CV.
package pretty

import (
	"fmt"
	"reflect"
	"strings"
)

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
		for i := 0; i < v.NumField(); i++ {
			if i > 0 {
				sb.WriteString(" ")
			}
			name := v.Type().Field(i).Name
			if name == "CrashVector" {
				name = "CV"
			}
			sb.WriteString(name + ":")
			format(sb, v.Field(i))
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
