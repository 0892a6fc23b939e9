import type { SelfServiceRole } from '@rosin/contracts/common';
import { useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Button } from '../../components/Button';
import { Chip } from '../../components/Chip';
import { Screen } from '../../components/Screen';
import { TextField } from '../../components/TextField';
import { Body, ErrorText } from '../../components/Typography';
import { space } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { createAccount } from '../../state/actions/auth-actions';
import { useAppDispatch } from '../../state/store';

export function CreateAccountScreen() {
  const dispatch = useAppDispatch();
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<SelfServiceRole>('student');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await dispatch(createAccount({ displayName: displayName.trim(), email: email.trim(), password, role }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Screen title="Create account">
      <TextField label="Display name" value={displayName} onChangeText={setDisplayName} autoComplete="name" />
      <TextField
        label="Email"
        value={email}
        onChangeText={setEmail}
        autoCapitalize="none"
        autoComplete="email"
        keyboardType="email-address"
        inputMode="email"
      />
      <TextField
        label="Password"
        value={password}
        onChangeText={setPassword}
        secureTextEntry
        autoComplete="new-password"
        placeholder="At least 10 characters"
      />
      <Body muted>I am joining as</Body>
      <View accessibilityRole="radiogroup" style={styles.row}>
        <Chip label="Student" selected={role === 'student'} onPress={() => setRole('student')} />
        <Chip label="Teacher" selected={role === 'teacher'} onPress={() => setRole('teacher')} />
      </View>
      {error ? <ErrorText>{error}</ErrorText> : null}
      <Button
        label="Create account"
        onPress={submit}
        busy={busy}
        disabled={!displayName.trim() || !email || password.length < 10}
      />
    </Screen>
  );
}

const styles = StyleSheet.create({ row: { flexDirection: 'row', gap: space.sm } });
