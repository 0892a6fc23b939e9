import type { User } from '@rosin/contracts/auth';
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

/** Who is signed in, as which role. Tokens are not here: they live in the TokenVault, never in memory state. */
export interface SessionState {
  status: 'starting' | 'signedOut' | 'signedIn';
  user: User | null;
}

const initialState: SessionState = { status: 'starting', user: null };

export const sessionSlice = createSlice({
  name: 'session',
  initialState,
  reducers: {
    signedIn(state, action: PayloadAction<User>) {
      state.status = 'signedIn';
      state.user = action.payload;
    },
    userChanged(state, action: PayloadAction<User>) {
      state.user = action.payload;
    },
    signedOut(state) {
      state.status = 'signedOut';
      state.user = null;
    },
  },
});

export const { signedIn, userChanged, signedOut } = sessionSlice.actions;
