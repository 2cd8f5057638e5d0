package io.berth.node.upstream;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 9110 section 11.6.1): an auth scheme and
 * its parameters, e.g. {@code Bearer realm="https://auth.example/token",service="registry",
 * scope="repository:library/alpine:pull"} (Docker token auth) or {@code Basic realm="x"}. Parameter
 * names are lower-cased; quoted values are unquoted (with {@code \} escapes); a comma inside a
 * quoted value (a scope with several actions) does not end the parameter.
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

  public AuthChallenge {
    params = Map.copyOf(params);
  }

  /** Whether the scheme is {@code name}, ignoring case. */
  public boolean is(String name) {
    return scheme.equalsIgnoreCase(name);
  }

  /** A parameter by (lower-case) name, or null. */
  public String param(String name) {
    return params.get(name);
  }

  /**
   * The challenge to answer among the header values: Bearer over Basic; empty if none of the values
   * holds a Bearer or Basic challenge.
   */
  public static Optional<AuthChallenge> choose(List<String> headerValues) {
    AuthChallenge basic = null;
    for (String v : headerValues) {
      for (AuthChallenge c : parseAll(v)) {
        if (c.is("Bearer")) {
          return Optional.of(c);
        }
        if (c.is("Basic") && basic == null) {
          basic = c;
        }
      }
    }
    return Optional.ofNullable(basic);
  }

  /** Every challenge of one header value, in order; malformed trailing parts are ignored. */
  public static List<AuthChallenge> parseAll(String header) {
    java.util.ArrayList<AuthChallenge> out = new java.util.ArrayList<>();
    if (header == null) {
      return out;
    }
    Cursor c = new Cursor(header);
    while (true) {
      c.skip(" \t,");
      String scheme = c.token();
      if (scheme.isEmpty()) {
        return out;
      }
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        c.skip(" \t,");
        int mark = c.pos;
        String name = c.token();
        if (name.isEmpty()) {
          break;
        }
        c.skip(" \t");
        if (!c.take('=')) {
          c.pos = mark;
          break;
        }
        c.skip(" \t");
        String value = c.peek() == '"' ? c.quoted() : c.token();
        params.put(name.toLowerCase(Locale.ROOT), value);
      }
      out.add(new AuthChallenge(scheme, params));
      if (c.atEnd()) {
        return out;
      }
    }
  }

  private static final class Cursor {
    final String s;
    int pos;

    Cursor(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    char peek() {
      return atEnd() ? 0 : s.charAt(pos);
    }

    void skip(String chars) {
      while (!atEnd() && chars.indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    boolean take(char ch) {
      if (peek() == ch) {
        pos++;
        return true;
      }
      return false;
    }

    /** An RFC 9110 token (plus {@code /} so a token68 value survives). */
    String token() {
      int start = pos;
      while (!atEnd()) {
        char ch = s.charAt(pos);
        if (ch <= ' ' || ch == ',' || ch == '=' || ch == '"' || ch == ';' || ch >= 127) {
          break;
        }
        pos++;
      }
      return s.substring(start, pos);
    }

    String quoted() {
      StringBuilder b = new StringBuilder();
      pos++;
      while (!atEnd()) {
        char ch = s.charAt(pos++);
        if (ch == '\\' && !atEnd()) {
          b.append(s.charAt(pos++));
        } else if (ch == '"') {
          return b.toString();
        } else {
          b.append(ch);
        }
      }
      return b.toString();
    }
  }
}
