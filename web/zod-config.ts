import { config } from 'zod';

// The page's CSP allows no eval: zod would probe `new Function` for its JIT (a logged CSP violation) when the
// first schema is built, so this module is imported before any module that builds one; the interpreter suffices.
config({ jitless: true });
