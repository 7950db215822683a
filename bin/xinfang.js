#!/usr/bin/env node
// `npx xinfang …`: load the TypeScript CLI in this same process through tsx (no build step,
// signals reach the server directly).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
