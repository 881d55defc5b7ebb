#!/usr/bin/env node
// keel runs its TypeScript sources directly (Node >= 22.18 strips types natively).
import "../src/main.ts";
