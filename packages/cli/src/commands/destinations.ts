import * as Command from "@effect/cli/Command";
import { optionsOf } from "../flags.js";
import { fromCall } from "../input-effects.js";
import { destinationsFlags, listDestinations } from "./destination-list.js";

export const destinations = Command.make("destinations", optionsOf(destinationsFlags), (flags) => fromCall(() => listDestinations(flags))).pipe(
  Command.withDescription(
    "List every connector and every downstream destination, with the identifiers each requires, its options, actions, settings (and their environment variables), tags and notes, from the manifests in connectors/.",
  ),
);
