import { useRouter } from 'expo-router';
import { useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/Button';
import { Screen } from '../../components/Screen';
import { TextField } from '../../components/TextField';
import { ErrorText } from '../../components/Typography';
import { fontSize, space, usePalette } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { signIn } from '../../state/actions/auth-actions';
import { useAppDispatch } from '../../state/store';

export function SignInScreen() {
  const dispatch = useAppDispatch();
  const router = useRouter();
  const palette = usePalette();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await dispatch(signIn({ email: email.trim(), password }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Screen>
      <View style={styles.brand}>
        <Text style={[styles.logo, { color: palette.primary }]}>Rosin</Text>
        <Text style={{ color: palette.textMuted, fontSize: fontSize.md }}>Your practice studio</Text>
      </View>
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
        autoComplete="current-password"
        onSubmitEditing={submit}
      />
      {error ? <ErrorText>{error}</ErrorText> : null}
      <Button label="Sign in" onPress={submit} busy={busy} disabled={!email || !password} />
      <Button label="Create account" variant="secondary" onPress={() => router.push('/create-account')} />
    </Screen>
  );
}

const styles = StyleSheet.create({
  brand: { alignItems: 'center', paddingVertical: space.xxl, gap: space.xs },
  logo: { fontSize: 40, fontWeight: '800', letterSpacing: 1 },
});
