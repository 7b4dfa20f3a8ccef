// outpools/connection_options.hpp — the typed `connection` options of each pool type.
// Every field is as validated by the loader, with the defaults of docs/configuration.md applied.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "outpools/secret.hpp"

namespace outpools {

enum class rdbms_driver { pgsql, mysql, odbc };

/// rdbms: pgsql/mysql use host..password and port; odbc uses settings only.
struct rdbms_options {
  rdbms_driver driver = rdbms_driver::pgsql;
  std::optional<secret> settings;        ///< ODBC connection string (odbc only)
  std::string host, database, username;  ///< pgsql and mysql
  std::optional<secret> password;        ///< pgsql and mysql
  std::uint16_t port = 0;                ///< 5432 (pgsql) / 3306 (mysql); 0 for odbc
  std::optional<std::chrono::seconds> keepalive_interval;  ///< unset: no keepalive
};

/// http: base URL split into its parts.
struct http_options {
  std::string url;                ///< as configured, e.g. "https://api.example.com:8443"
  bool https = false;             ///< scheme https (TLS on)
  std::string host_name;          ///< NAME part (brackets removed for IPv6)
  std::uint16_t port = 80;        ///< explicit port, or 80/443 by scheme
  std::string path_prefix = "/";  ///< prepended to every request path
  std::chrono::milliseconds request_timeout{2000};  ///< bound of one HTTP request
};

struct redis_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::int64_t database = 0;
  secret password;  ///< empty: no AUTH
};

struct riak_credentials {
  std::string user;
  secret password;
};

struct riak_options {
  std::string address;
  std::uint16_t port = 8087;
  std::optional<riak_credentials> credentials;  ///< set: TLS is on
};

struct cassandra_server {
  std::string ip_address;
  std::uint16_t port = 9042;
};

struct cassandra_auth_plain {
  std::string username;
  secret password;
};

struct cassandra_options {
  std::vector<cassandra_server> servers;  ///< default [{localhost, 9042}]
  std::string keyspace = "mongooseim";
  std::optional<cassandra_auth_plain> auth_plain;  ///< unset: no authentication
};

struct elastic_options {
  std::string host = "localhost";
  std::uint16_t port = 9200;
  /// Each HTTP request to the server is bounded by this, although the pool has no call timeout.
  std::chrono::milliseconds request_timeout{2000};
};

struct rabbit_options {
  std::string amqp_host = "localhost";
  std::uint16_t amqp_port = 5672;
  std::string amqp_username = "guest";
  secret amqp_password{"guest"};
  bool confirms_enabled = false;
  std::optional<std::size_t> max_worker_queue_len = 1000;  ///< nullopt: "infinity"
};

enum class ldap_encrypt { none, tls };

struct ldap_options {
  std::vector<std::string> servers{"localhost"};  ///< tried in order
  std::uint16_t port = 389;                       ///< 389, or 636 with encrypt = "tls"
  std::string rootdn;                             ///< empty: anonymous
  secret password;
  std::chrono::milliseconds connect_interval{10000};
  ldap_encrypt encrypt = ldap_encrypt::none;
};

/// generic pools have no connection options.
struct generic_options {};

using connection_options =
    std::variant<generic_options, rdbms_options, http_options, redis_options, riak_options,
                 cassandra_options, elastic_options, rabbit_options, ldap_options>;

}  // namespace outpools
