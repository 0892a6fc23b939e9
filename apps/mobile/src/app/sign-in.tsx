import { SignInScreen } from '../screens/Auth/SignInScreen';

export default SignInScreen;
