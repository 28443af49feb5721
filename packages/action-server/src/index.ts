export { configFromEnv, ConfigError, type ServerConfig } from "./config.js";
export { startActionServer, type ActionServer, type ServerDeps } from "./server.js";
export { isAuthorized, tokenFrom, newToken, tokenForNonce } from "./auth.js";
export { integrationList, requiredFields, type IntegrationDefinition } from "./looker/integrations.js";
export { formFor, type FormField } from "./looker/form.js";
export { createLogger, type Logger } from "./log.js";
