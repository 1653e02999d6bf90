import type { InventoryFilter, InventorySortField } from '../../src-shared/contract-inventory';
import { cleanFilter } from '../lib/inventory';
import { DEFAULT_INVENTORY, useApp } from './store';

/**
 * Opens the inventory on a filter: what every chart element of the dashboard and every saved view
 * does. The filter comes from the core's aggregates as is, so the rows are exactly the keys counted.
 */
export function openInventory(filter: InventoryFilter, sort?: { field: InventorySortField; direction: 'asc' | 'desc' }): void {
  const app = useApp.getState();
  app.setInventory({ filter: cleanFilter(filter), sort: sort ?? DEFAULT_INVENTORY.sort });
  app.navigate({ name: 'inventory' });
}
