/**
 * GET /faults: the fault grammar (FAULT_SYNTAX in src/core/faults.ts, the table the parser reads): each fault's
 * name, usage, values in order with their ranges, what it does, and whether only the vendor routes take it. The
 * page builds its fault toggles from it.
 */
import type { Hono } from 'hono'
import { FAULT_SYNTAX, faultUsage } from '../../core/faults.js'

const LISTING = {
  faults: FAULT_SYNTAX.map((fault) => ({
    name: fault.name,
    usage: faultUsage(fault),
    description: fault.description,
    vendorOnly: fault.vendorOnly ?? false,
    args: fault.args.map(({ name, label, what, min, max, optional = false, default: fallback }) => ({
      name,
      label,
      what,
      min,
      max,
      optional,
      ...(fallback !== undefined ? { default: fallback } : {}),
    })),
  })),
}

export function faultSyntaxRoute(app: Hono): void {
  app.get('/faults', (c) => c.json(LISTING))
}
