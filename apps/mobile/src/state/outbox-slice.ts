import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { OutboxItem } from '../lib/outbox/outbox-item';

/** The outbox as the UI sees it: a mirror of the SQLite rows (the outbox module writes, this follows). */
export interface OutboxState {
  items: Record<string, OutboxItem>;
  online: boolean;
  /** Ids saved locally whose upload finished in this app run (the list shows them until the server does). */
  delivered: string[];
}

const initialState: OutboxState = { items: {}, online: true, delivered: [] };

export const outboxSlice = createSlice({
  name: 'outbox',
  initialState,
  reducers: {
    itemsLoaded(state, action: PayloadAction<OutboxItem[]>) {
      state.items = Object.fromEntries(action.payload.map((item) => [item.id, item]));
    },
    itemChanged(state, action: PayloadAction<OutboxItem>) {
      state.items[action.payload.id] = action.payload;
    },
    itemRemoved(state, action: PayloadAction<string>) {
      delete state.items[action.payload];
    },
    itemDelivered(state, action: PayloadAction<string>) {
      if (!state.delivered.includes(action.payload)) state.delivered.push(action.payload);
    },
    connectivityChanged(state, action: PayloadAction<boolean>) {
      state.online = action.payload;
    },
  },
});

export const { itemsLoaded, itemChanged, itemRemoved, itemDelivered, connectivityChanged } =
  outboxSlice.actions;
