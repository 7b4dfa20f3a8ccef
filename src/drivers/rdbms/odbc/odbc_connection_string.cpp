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

// Where the password that starts at `i` of `message` ends, as far as a message can tell. Braced
// ({...}, `}}` an escaped brace): at its closing brace. Otherwise at the next ';'. Either way no
// later than the message's last quote after it — the driver manager quotes a string back whole,
// and a quote before that one may be the password's own — or the message's end.
std::size_t password_end(const std::string& message, std::size_t i) {
  const std::size_t last_quote = message.find_last_of("'\"");
  std::size_t end =
      last_quote != std::string::npos && last_quote >= i ? last_quote : message.size();
  if (i < message.size() && message[i] == '{') {
    for (std::size_t j = i + 1; j < message.size(); ++j) {
      if (message[j] != '}') continue;
      if (j + 1 < message.size() && message[j + 1] == '}') {
        ++j;
        continue;
      }
      return std::min(end, j + 1);
    }
    return end;
  }
  return std::min(end, message.find(';', i));
}

// `message` with what follows each password key in it (PWD or PASSWORD, any case, then
// optional spaces and '=') masked to password_end(): the form the driver manager quotes a string
// back in does not matter (braces, `}}` escapes, spaces, truncation).
std::string mask_after_password_keys(std::string message) {
  for (std::string_view key : {std::string_view("PWD"), std::string_view("PASSWORD")}) {
    std::size_t at = 0;
    for (;;) {
      at = upper(message).find(key, at);
      if (at == std::string::npos) break;
      std::size_t i = at + key.size();
      while (i < message.size() && message[i] == ' ') ++i;
      if (i >= message.size() || message[i] != '=') {
        at = i;
        continue;
      }
      ++i;
      while (i < message.size() && message[i] == ' ') ++i;
      const std::size_t end = password_end(message, i);
      if (end > i) message.replace(i, end - i, "****");
      at = i + 4;
    }
  }
  return message;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> connection_string_pairs(
    std::string_view settings) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t at = 0;
  while (at < settings.size()) {
    const std::size_t equals = settings.find('=', at);
    if (equals == std::string_view::npos) break;
    std::string key(settings.substr(at, equals - at));  // as written: unixODBC does not trim
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
  message = mask_after_password_keys(std::move(message));
  // And a password quoted without its key. Only one of 8 characters or more: a shorter one
  // could turn up by chance in the message, which its mask would then garble, or give away
  // (a user name equal to the password).
  std::vector<std::string> secrets;
  for (const auto& [key, value] : connection_string_pairs(settings))
    if (names_a_password(key) && value.size() >= 8) secrets.push_back(value);
  for (const std::string& secret : secrets) {
    for (std::size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 4))
      message.replace(at, secret.size(), "****");
  }
  return message;
}

}  // namespace outpools::rdbms
