#!/usr/bin/env node
// Oscar's command-line interface: loads server/cli.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
