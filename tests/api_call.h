// One estimate through the JSON facade for tests: the parsed response, with
// the request and any error reported by Catch when it is not a success.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "vramfit/api.h"

inline nlohmann::json api(const nlohmann::json& req) {
  nlohmann::json r = nlohmann::json::parse(vramfit::estimate_json(req.dump()));
  INFO("request: " << req.dump());
  INFO("error: " << (r.contains("error") ? r["error"].dump() : std::string("none")));
  REQUIRE_FALSE(r.contains("error"));
  return r;
}
