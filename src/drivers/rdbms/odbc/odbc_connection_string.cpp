#include "drivers/rdbms/odbc/odbc_connection_string.hpp"

#include <algorithm>
#include <cctype>

namespace outpools::rdbms {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool names_a_password(std::string_view key) {
  const std::string k = upper(key);
  return k.find("PWD") != std::string::npos || k.find("PASSWORD") != std::string::npos;
}

// The value that starts at `at` in `settings`, read leniently: braced up to '}' (or the end),
// else up to ';' (or the end).
std::string_view value_at(std::string_view settings, std::size_t at) {
  while (at < settings.size() && settings[at] == ' ') ++at;
  if (at < settings.size() && settings[at] == '{') {
    const std::size_t close = settings.find('}', at + 1);
    return settings.substr(at + 1,
                           close == std::string_view::npos ? std::string_view::npos
                                                           : close - at - 1);
  }
  const std::size_t end = settings.find(';', at);
  return trim(settings.substr(at, end == std::string_view::npos ? end : end - at));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> connection_string_pairs(
    std::string_view settings) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t at = 0;
  while (at < settings.size()) {
    const std::size_t equals = settings.find('=', at);
    if (equals == std::string_view::npos) break;
    std::string key(trim(settings.substr(at, equals - at)));
    std::size_t start = equals + 1;
    while (start < settings.size() && settings[start] == ' ') ++start;
    std::string_view value;
    std::size_t end;
    if (start < settings.size() && settings[start] == '{') {
      const std::size_t close = settings.find('}', start + 1);
      value = settings.substr(
          start + 1, close == std::string_view::npos ? std::string_view::npos : close - start - 1);
      end = close == std::string_view::npos ? close : settings.find(';', close);
    } else {
      end = settings.find(';', start);
      value = trim(settings.substr(
          start, end == std::string_view::npos ? std::string_view::npos : end - start));
    }
    pairs.emplace_back(std::move(key), std::string(value));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return pairs;
}

std::string redact_connection_secrets(std::string message, std::string_view settings) {
  std::vector<std::string> secrets;
  for (const auto& [key, value] : connection_string_pairs(settings))
    if (names_a_password(key) && !value.empty()) secrets.push_back(value);
  const std::string folded = upper(settings);
  for (std::string_view marker : {std::string_view("PWD="), std::string_view("PASSWORD=")}) {
    for (std::size_t at = folded.find(marker); at != std::string::npos;
         at = folded.find(marker, at + 1)) {
      const std::string_view value = value_at(settings, at + marker.size());
      if (!value.empty()) secrets.emplace_back(value);
    }
  }
  // The longest first, so that no part of a longer secret is left behind a shorter one's mask.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : secrets) {
    for (std::size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 4))
      message.replace(at, secret.size(), "****");
  }
  return message;
}

}  // namespace outpools::rdbms
