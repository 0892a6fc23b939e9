import { openDatabaseAsync } from 'expo-sqlite';
import { migrateDeviceDatabase, type SqlDatabase } from './device-database';

export async function openDeviceDatabase(): Promise<SqlDatabase> {
  const db = await openDatabaseAsync('rosin.db');
  await migrateDeviceDatabase(db);
  return db;
}
