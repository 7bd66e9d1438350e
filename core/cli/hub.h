// Hugging Face Hub access for the CLI, split by job like the page's client:
//   hub/settings  environment, token, HubError (web/js/hub.js, hub-token.js)
//   hub/http      libcurl transport                (web/js/hub.js)
//   hub/fetch     the files the core's plan names  (web/js/hub-model.js, hub-headers.js)
//   hub/report    checkpoint lines and JSON        (web/js/view-checkpoint.js)
#pragma once

#include "hub/fetch.h"
#include "hub/report.h"
#include "hub/settings.h"
