import { configureStore } from '@reduxjs/toolkit';
import { useDispatch, useSelector } from 'react-redux';
import type { AppServices } from '../services/app-services';
import { outboxSlice } from './outbox-slice';
import { sessionSlice } from './session-slice';

/** Local state only (session, active role, outbox status); server state lives in TanStack Query. */
export function createAppStore(services: AppServices) {
  return configureStore({
    reducer: { session: sessionSlice.reducer, outbox: outboxSlice.reducer },
    middleware: (getDefault) => getDefault({ thunk: { extraArgument: services } }),
  });
}

export type AppStore = ReturnType<typeof createAppStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];
export type AppThunk<R = Promise<void>> = (
  dispatch: AppDispatch,
  getState: () => RootState,
  services: AppServices,
) => R;

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();
