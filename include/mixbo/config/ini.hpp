#pragma once
// The campaign file's syntax: an INI file of `[section]` headers and `key = value` lines.
//   - A line whose first non-blank character is '#' or ';' is a comment; so is the rest of a line
//     from a '#' that follows a blank (space or tab): `budget = 5   # five runs`. A '#' inside a
//     word is part of the value: `domains = web, c#, books`, `--run-name ablation#3`.
//   - Blanks around keys and values are dropped; a UTF-8 byte-order mark at the start is skipped.
//   - Anything else (a key outside a section, a line without '=', a control character) is an
//     error naming the line, with unprintable bytes shown as \xNN.
#include <string>
#include <vector>

namespace mixbo {

struct IniEntry {
  std::string key;    // "section.key"
  std::string value;  // comment and surrounding blanks removed
  int line = 0;       // 1-based
};

// Throws ConfigError "<where>: line N: ..." on malformed text.
std::vector<IniEntry> parse_ini(const std::string& text, const std::string& where);

// `s` with bytes outside printable ASCII (and the BOM) written as \xNN, for error messages.
std::string printable(const std::string& s);

}  // namespace mixbo
