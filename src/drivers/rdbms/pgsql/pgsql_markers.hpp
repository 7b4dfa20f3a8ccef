// pgsql_markers.hpp — the highest `$n` parameter marker of a PostgreSQL statement text.
#pragma once

#include <cstddef>
#include <string_view>

namespace outpools::rdbms {

/// The highest n of the `$n` markers in `sql`, read as PostgreSQL's lexer reads the text: not
/// inside a 'string' (backslash escapes only in E'...' strings, or in every string when
/// `standard_conforming_strings` is false), a "quoted identifier", a $tag$dollar-quoted$tag$
/// body, a -- or /* nested */ comment, nor as part of an identifier (`a$1`). 0 when there is
/// none. A text of several statements counts all of them (a `PREPARE ... AS SELECT $1` counts:
/// callers only use the count to refuse values beyond it). Values above 10^9 read as 10^9.
/// Pure; any thread.
std::size_t highest_pgsql_marker(std::string_view sql, bool standard_conforming_strings);

}  // namespace outpools::rdbms
